import { ApiRefused, apiCall } from './api-client.js';
import { readFile } from 'node:fs/promises';
import { vrrpTransition, type VrrpTransition } from '../model/vrrp-event.js';
import { spoolTransition } from '../vrrp/vrrp-spool.js';

export interface NotifyOptions {
  url: string;
  token?: string;
  tokenFile?: string;
  spool: string;
  instance?: string;
  group?: string;
  state?: string;
  priority?: string;
}

/**
 * `rsguard notify GROUP|INSTANCE NAME STATE PRIORITY`: keepalived's generic
 * notify script (it appends exactly these four), or with --instance/--group
 * and --state for notify_master & co, which get no arguments. Hands the
 * transition to the daemon; when the daemon does not answer, spools it so it
 * is not lost. Returns at once either way.
 */
export async function notifyCommand(args: string[], o: NotifyOptions, at: number): Promise<string> {
  let t: VrrpTransition | string;
  if (o.instance || o.group) {
    if (args.length) return Promise.reject(new Error('give either the four keepalived arguments or --instance/--group with --state'));
    if (!o.state) return Promise.reject(new Error('--state is needed with --instance or --group'));
    t = vrrpTransition(o.instance ? 'INSTANCE' : 'GROUP', (o.instance ?? o.group)!, o.state, o.priority, at);
  } else {
    // keepalived may put configured arguments first: the last four are its own.
    if (args.length < 4) return Promise.reject(new Error('expected GROUP|INSTANCE NAME STATE PRIORITY (as keepalived appends them)'));
    const [kind, name, state, priority] = args.slice(-4);
    t = vrrpTransition(kind!, name!, state!, priority, at);
  }
  if (typeof t === 'string') return Promise.reject(new Error(t));
  const token = o.token ?? process.env.RSGUARD_TOKEN ?? (o.tokenFile ? (await readFile(o.tokenFile, 'utf8')).trim() : undefined);
  try {
    // keepalived waits for its notify script: one try, then the spool.
    await apiCall(o.url, '/api/vrrp', { method: 'POST', token, json: { kind: t.kind, name: t.name, state: t.state, priority: t.priority }, timeoutMs: 2000 });
    return `recorded ${t.kind} ${t.name} ${t.state}`;
  } catch (err) {
    // A refusal (bad token, bad input) is not an outage: spooling would only defer the same refusal.
    if (err instanceof ApiRefused && err.status < 500) throw new Error(`daemon refused: ${err.message}`);
  }
  const file = await spoolTransition(o.spool, t);
  return `daemon not reachable; spooled ${t.kind} ${t.name} ${t.state} in ${file}`;
}
