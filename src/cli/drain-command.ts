import { apiCall } from './api-client.js';

/** `rsguard drain|undrain|maint|unmaint VS RS [--wait S] [--reason TEXT]`: talks to the running daemon's write API. */
export interface DrainOptions {
  url: string;
  token?: string;
  wait?: number;
  reason?: string;
}

/** `rsguard maint|unmaint VS RS [--reason TEXT]`: forced out (as a down server, no DOWN/UP mail) until unmaint; kept across restarts. */
export async function maintCommand(on: boolean, vs: string, rs: string, o: DrainOptions, print: (line: string) => void): Promise<void> {
  await setHold('maint', on, vs, rs, o);
  print(`${rs} in ${vs}: ${on ? 'in maintenance (out of the pool, no DOWN/UP mail, kept across restarts)' : 'out of maintenance'}`);
}

/** `rsguard drain|undrain VS RS [--wait S] [--reason TEXT]`: weight 0, kept in the table; with --wait, until its connections are gone. */
export async function drainCommand(drained: boolean, vs: string, rs: string, o: DrainOptions, print: (line: string) => void): Promise<void> {
  await setHold('drain', drained, vs, rs, o);
  print(`${rs} in ${vs}: ${drained ? 'drained (weight 0, kept in the table)' : 'back in service'}`);
  if (!drained || o.wait === undefined) return;
  const until = Date.now() + o.wait * 1000;
  const q = `/api/connections?${new URLSearchParams({ vs, rs }).toString()}`;
  for (;;) {
    const n = Number((await apiCall(o.url, q, { timeoutMs: 10_000, retries: 2 })).body.activeConnections);
    if (n === 0) return print(`${rs}: no active connections`);
    if (Date.now() >= until) throw new Error(`${rs} still has ${n} active connections after ${o.wait} s`);
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(50, until - Date.now()))));
  }
}

/** Sets or ends a hold through the write API. Idempotent: a daemon that was restarting when it was sent gets it again (retried). */
async function setHold(mode: 'drain' | 'maint', on: boolean, vs: string, rs: string, o: DrainOptions): Promise<void> {
  const token = o.token ?? process.env.RSGUARD_TOKEN;
  if (!token) throw new Error('a token is needed: --token or RSGUARD_TOKEN');
  await apiCall(o.url, `/api/${on ? '' : 'un'}${mode}`, { method: 'POST', token, json: { vs, rs, ...(o.reason ? { reason: o.reason } : {}) }, timeoutMs: 10_000, retries: 2 });
}
