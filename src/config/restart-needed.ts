import { balancerChanges } from '../actuators/reconfigure.js';
import type { Model } from '../model/model.js';

/** A setting a reload changed that the running daemon keeps as it started with: logged, never dropped silently. */
export interface RestartNeeded {
  /** Spelled as in the config file (balancer.socket, notify.email...). */
  setting: string;
  why: string;
}

export interface RestartOptions {
  /** The balancer settings the running actuator took live on this reload (see takeBalancerLive). */
  liveBalancer?: readonly string[];
  /** --listen on the command line: the config's listen is not the one in use, so its change needs nothing. */
  listenFromCommandLine?: boolean;
  /** The mode the daemon runs in: a setting only the other mode reads changes nothing. Unknown: every setting is named. */
  mode?: 'embedded' | 'distributed';
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Read once at start, each by what reads it then; a reload's new value waits for the next start. */
const AT_START: ReadonlyArray<{ setting: string; of: (m: Model) => unknown; why: string; only?: RestartOptions['mode'] }> = [
  { setting: 'notify.email', of: (m) => m.notify.email, why: 'the mailer (SMTP transport, spool) is built once at start' },
  { setting: 'global.listen', of: (m) => m.global.listen, why: 'the HTTP API is bound at start' },
  { setting: 'queue.redis', of: (m) => m.queue.redis, why: 'the queue, the check state store and the leader lease connect at start (embedded or distributed mode is chosen then)' },
  { setting: 'queue.prefix', of: (m) => m.queue.prefix, why: 'the queue, the check state store and the leader lease keep the prefix they started with', only: 'distributed' },
  { setting: 'queue.leaseTime', of: (m) => m.queue.leaseMs, why: 'the leader lease keeps the length it started with', only: 'distributed' },
  { setting: 'global.probeThreads', of: (m) => m.global.probeThreads, why: 'probe threads are started at start (auto adds them as the main thread gets busy, never removes them)', only: 'embedded' },
  { setting: 'global.concurrency', of: (m) => m.global.concurrency, why: 'the embedded probe pool is sized at start', only: 'embedded' },
  { setting: 'global.stateFile', of: (m) => m.global.stateFile, why: 'check states and operator holds stay in the file opened at start' },
  { setting: 'global.autoReload', of: (m) => m.global.autoReload, why: 'the config file is watched, or not, from the start' },
];

/**
 * What in a reload needs a restart: a pure diff of two models. Balancer
 * settings are named one by one, less those the actuator took live; another
 * kind of balancer is named alone (balancer.kind).
 */
export function restartNeeded(previous: Model, next: Model, o: RestartOptions = {}): RestartNeeded[] {
  const out: RestartNeeded[] = [];
  const live = new Set(o.liveBalancer ?? []);
  for (const k of balancerChanges(previous.balancer, next.balancer)) {
    if (k === 'kind') out.push({ setting: 'balancer.kind', why: `the ${previous.balancer.kind} balancer (its actuator, passive health, sync daemon) is built at start` });
    else if (!live.has(k)) out.push({ setting: `balancer.${k.replace(/Ms$/, '')}`, why: `the ${next.balancer.kind} balancer does not take it live` });
  }
  for (const s of AT_START) {
    if (s.setting === 'global.listen' && o.listenFromCommandLine) continue;
    if (s.only && o.mode && s.only !== o.mode) continue;
    if (!same(s.of(previous), s.of(next))) out.push({ setting: s.setting, why: s.why });
  }
  return out;
}
