import type { HostNamesDef, Model } from '../model/model.js';
import { formatHostPort } from '../lib/address.js';
import { realTimers, type Timers } from '../lib/timers.js';
import type { Logger } from '../lib/logger.js';
import { changedAnswers, nameOfKey, resolveAll, systemLookup, type Lookup } from '../lib/name-lookup.js';

/**
 * Asks a model's names again (those its queries say are asked again: HAProxy
 * resolvers names, names that did not resolve) and returns the answers when
 * one changed, undefined when none did. Only the names are asked: the file
 * is not read (an edit of it waits for a reload).
 */
export async function askNamesAgain(names: HostNamesDef, ask: Lookup = systemLookup): Promise<Map<string, string[]> | undefined> {
  if (!names.queries?.size) return undefined;
  const fresh = await resolveAll(names.queries.values(), names.answers, ask);
  return changedAnswers(names.answers, fresh).length ? fresh : undefined;
}

/** Runs `run` once, `model.hostNames.everyMs` after each schedule(); nothing when the model asks no name again. */
export class ResolveAgain {
  private timer: unknown;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly timers: Timers = realTimers,
  ) {}

  schedule(model: Pick<Model, 'hostNames'>): void {
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const every = model.hostNames?.everyMs;
    if (this.stopped || every === undefined) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, every);
  }

  stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Servers whose address differs between two loads of the same file, found by
 * virtual service name and the balancer's name for the server (haproxyServer),
 * or that appeared or went: what a changed DNS answer does.
 */
export function movedServers(before: Model, after: Model): Array<{ vs: string; server: string; from?: string; to?: string }> {
  const where = (m: Model) => {
    const out = new Map<string, string>();
    for (const vs of m.virtualServices) for (const rs of vs.realServers) out.set(`${vs.name}\u0000${String(rs.balancerOptions?.haproxyServer ?? rs.key)}`, formatHostPort(rs.host, rs.port));
    return out;
  };
  const a = where(before);
  const b = where(after);
  const moved: Array<{ vs: string; server: string; from?: string; to?: string }> = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(k) === b.get(k)) continue;
    const [vs, server] = k.split('\u0000') as [string, string];
    moved.push({ vs, server, ...(a.has(k) ? { from: a.get(k)! } : {}), ...(b.has(k) ? { to: b.get(k)! } : {}) });
  }
  return moved;
}


/**
 * The names that stopped or started resolving between two models (before:
 * undefined at start): each is logged once when it changes, not at every
 * retry (an empty answer list is a lookup that failed).
 */
export function nameChanges(before: Model | undefined, after: Model): { failing: Array<{ name: string; lookup: string }>; resolved: Array<{ name: string; lookup: string; addresses: readonly string[] }> } {
  const was = before?.hostNames?.answers;
  const failing: Array<{ name: string; lookup: string }> = [];
  const resolved: Array<{ name: string; lookup: string; addresses: readonly string[] }> = [];
  for (const [lookup, addresses] of after.hostNames?.answers ?? []) {
    const prior = was?.get(lookup);
    if (!addresses.length && (prior === undefined || prior.length > 0)) failing.push({ name: nameOfKey(lookup), lookup });
    else if (addresses.length && prior !== undefined && !prior.length) resolved.push({ name: nameOfKey(lookup), lookup, addresses });
  }
  return { failing, resolved };
}

/** A name that does not resolve is our environment's fault (DNS), not a server verdict: its servers wait out of the pool. Logged once, not at each retry. */
export function logNameChanges(log: Pick<Logger, 'error' | 'info'>, before: Model | undefined, next: Model): void {
  const { failing, resolved } = nameChanges(before, next);
  for (const n of failing) log.error({ ...n, retryEveryMs: next.hostNames?.everyMs }, 'host name does not resolve: its servers are left out until it does');
  for (const n of resolved) log.info(n, 'host name resolves now');
}
