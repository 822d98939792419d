import type { NameQuery } from '../lib/name-lookup.js';
import type { ProbeTarget } from '../probes/types.js';
import type { RedisTarget } from './redis-target.js';

/**
 * The one in-memory model every config format is loaded into. Durations are
 * milliseconds; ids and keys are deterministic so reloads can keep state.
 */

export type Forwarding = 'dr' | 'nat' | 'tun';
export type VsProtocol = 'tcp' | 'udp' | 'sctp' | 'fwmark';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface Window {
  size: number;
  minOk: number;
}

export interface FlapThresholds {
  low: number;
  high: number;
}

export interface Timing {
  intervalMs: number;
  timeoutMs: number;
  retryIntervalMs: number;
  fall: number;
  rise: number;
  window: Window | null;
  alpha: boolean;
  flap: FlapThresholds | null;
}

export interface CheckDef {
  /** Hash of kind, target, spec and timing: identical checks share one id and run once per round. */
  id: string;
  /** Hash of kind, target and spec only: a reload that changes just the timing keeps the check's state. */
  identity: string;
  kind: string;
  /** Short label for logs and status: `http GET /health`. */
  label: string;
  target: ProbeTarget;
  spec: Record<string, unknown>;
  timing: Timing;
}

export interface RealServerDef {
  /** `10.0.0.2:80`, unique within its virtual service. */
  key: string;
  host: string;
  port: number;
  weight: number;
  forwarding: Forwarding;
  /** Overrides the virtual service's onDown for this server. */
  onDown?: 'quiescent' | 'remove';
  checkIds: string[];
  /**
   * HAProxy `track`: the server whose state this one follows (virtual service
   * and real server keys). `checkIds` are then the checks of the end of the
   * chain, so both servers are views of the same check states and cannot
   * disagree, and the agent checks of the servers on the chain (HAProxy runs
   * a tracking server's agent); checks' weight reports stay the tracked
   * server's, but for `own`: the ids of this server's own agent checks.
   */
  track?: { vs: string; rs: string; own: string[] };
  /** Keys a balancer added to this server in the config (src/actuators/<kind>/index.ts `fields`); only that balancer reads them. */
  balancerOptions?: Record<string, unknown>;
  notify?: { up?: string[]; down?: string[] };
}

export interface SorryServerDef {
  host: string;
  port: number;
  forwarding: Forwarding;
  /** Its checks: it stands in only while they pass (empty: unchecked, always fit). */
  checkIds: string[];
  /** Keys a balancer added to this server in the config (src/actuators/<kind>/index.ts `fields`); only that balancer reads them. */
  balancerOptions?: Record<string, unknown>;
}

export interface VirtualServiceDef {
  /** `tcp:192.168.4.15:80`, `udp:[2001:db8::1]:53`, `fwmark:5:inet`, or the balancer's own name for it (HAProxy: `backend:app`). */
  key: string;
  name: string;
  protocol: VsProtocol;
  family: 'inet' | 'inet6';
  host?: string;
  port?: number;
  fwmark?: number;
  scheduler: string;
  forwarding: Forwarding;
  persistence: { timeoutMs: number; netmask?: string } | null;
  sorryServer: SorryServerDef | null;
  onDown: 'quiescent' | 'remove';
  /** Weight ramps up over this long after a recovery (HAProxy slowstart); 0 turns it off. */
  slowStartMs: number;
  quorum: number;
  hysteresis: number;
  /** Safety valve: more than this fraction down within one interval waits for a second round; null turns it off. */
  maxDownFraction: number | null;
  /** The longest check interval of its real servers: the valve's "one interval". */
  intervalMs: number;
  /** Keys a balancer added to this virtual service in the config; only that balancer reads them. */
  balancerOptions?: Record<string, unknown>;
  notify?: { quorumUp?: string[]; quorumDown?: string[]; fallbackCommand?: string[]; emailTo?: string[] };
  realServers: RealServerDef[];
}

export interface EmailDef {
  to: string[];
  from: string;
  routerId: string;
  smtp: { host: string; port: number; connectTimeoutMs: number; helo?: string; secure: boolean; requireTls: boolean; auth?: { user: string; pass: string } };
  digestWindowMs: number;
  reminderIntervalMs: number;
  spoolDir: string;
}

export interface NotifyDef {
  email: EmailDef | null;
  transitionLog?: string;
  keepalivedFifo?: string;
  vrrpSpoolDir: string;
  hookTimeoutMs: number;
}

/** The balancer the pool is applied to; each kind (src/actuators/<kind>/index.ts) adds its own fields. */
export interface BalancerDef {
  kind: string;
  /** Re-read the balancer and repair drift this often; 0: never (kind none). */
  reconcileIntervalMs: number;
}

export type LogTarget = { to: 'stdout' } | { to: 'syslog'; facility: number; host: string; port: number; protocol: 'udp' | 'tcp'; format: 'rfc3164' | 'rfc5424' };

export interface GlobalDef {
  listen: { host: string; port: number };
  logLevel: LogLevel;
  /** stdout, or a syslog daemon over the network (facility as a number). */
  log: LogTarget;
  /** Probes in flight at most (embedded worker pool). */
  concurrency: number;
  /** Probe threads beside the main thread (scheduler/thread-queue.ts); not set: RSGUARD_PROBE_THREADS, else 0. */
  probeThreads?: number | 'auto';
  /** First checks are spread over min(interval, this) so they do not fire in the same millisecond. */
  startupSpreadMs: number;
  /** Reload when the config file changes (ldirectord autoreload). */
  autoReload: boolean;
  maintenanceDir?: string;
  /** Bearer token for write endpoints; undefined means they are refused. */
  apiToken?: string;
  apiTokenFile?: string;
  /** Where embedded mode keeps check states across restarts; false: nowhere; undefined: derived from the config path. */
  stateFile?: string | false;
  /** When rsguard counts as sick for VRRP, and the optional keepalived track_file it writes. */
  health: { maxBlindFraction: number; file?: string; fileWeight: number };
}

export interface VrrpInstanceDef {
  name: string;
  interface?: string;
  virtualRouterId?: number;
  priority?: number;
  initialState?: 'MASTER' | 'BACKUP';
  virtualIps: string[];
  keepalivedNotify?: Record<string, string>;
}

export interface VrrpGroupDef {
  name: string;
  instances: string[];
  keepalivedNotify?: Record<string, string>;
}

export interface Model {
  /** The file it came from, for messages. */
  source: string;
  format: 'rsguard-yaml' | 'ldirectord' | 'keepalived' | 'haproxy';
  global: GlobalDef;
  balancer: BalancerDef;
  notify: NotifyDef;
  /** Distributed mode when `redis` is set; embedded otherwise. */
  queue: { redis?: RedisTarget; prefix: string; staleAfterMs?: number; leaseMs?: number };
  virtualServices: VirtualServiceDef[];
  /** The VRRP instances and sync groups keepalived runs on this director (rsguard records their transitions). */
  vrrp: { instances: VrrpInstanceDef[]; syncGroups: VrrpGroupDef[] };
  checks: Map<string, CheckDef>;
  /** Accepted but not acted on (importers fill this). */
  warnings: string[];
  /**
   * Host names the file gives real servers by (ldirectord.cf, haproxy.cfg)
   * and what they resolved to; with `everyMs` the daemon asks them again that
   * often and, when an answer changed, builds the model again from `text`
   * with the new answers (HAProxy `resolvers`, a name that did not resolve).
   */
  hostNames?: HostNamesDef;
}

export interface HostNamesDef {
  /** Addresses per query key (lib/name-lookup.ts queryKey); [] for a name that did not resolve. */
  answers: ReadonlyMap<string, readonly string[]>;
  /** How each key is asked, and whether it is asked again. */
  queries?: ReadonlyMap<string, NameQuery>;
  everyMs?: number;
  /** Real servers left out of their virtual service because their name gave no address: a check error "unresolved" until it does. */
  unresolved?: UnresolvedServerDef[];
  /** The file's text this model was built from: answers that change are applied to it, not to whatever the file says now (that waits for a reload). */
  text?: string;
}

export interface UnresolvedServerDef {
  /** The virtual service's key. */
  vs: string;
  name: string;
  port: number;
  /** The answer key it waits on. */
  lookup: string;
}
