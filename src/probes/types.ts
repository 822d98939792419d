import type { Deadline } from '../lib/deadline.js';
import type { Socks4Via } from '../lib/socks4.js';
import type { Pinger } from './icmp-pinger.js';
import type { FpmPoolStatus } from './fpm-pool-status.js';

/**
 * The contract every probe kind shares. A probe measures one target and
 * reports; it never throws for a failing target and never touches state,
 * weights, mail or metrics (DESIGN.md, "probes").
 */

/** Why a probe failed, bounded so it can be a metric label. */
export type FailureReason =
  | 'timeout'
  | 'refused'
  | 'unreachable'
  | 'status'
  | 'body'
  | 'tls'
  | 'protocol'
  | 'exit'
  | 'permission'
  | 'error';

export const FAILURE_REASONS: readonly FailureReason[] = [
  'timeout', 'refused', 'unreachable', 'status', 'body', 'tls', 'protocol', 'exit', 'permission', 'error',
];

/**
 * Why a check could not run at all: rsguard's own fault (a missing binary, no
 * capability, descriptors or buffers exhausted, a bug), which says nothing
 * about the real server. Bounded so it can be a metric label.
 */
export type CheckErrorReason = 'spawn' | 'permission' | 'descriptors' | 'buffers' | 'local_address' | 'overload' | 'exception' | 'unresolved';

/** `unresolved`: a real server's host name gave no address (DNS, this host's view of it): the server waits out of the pool, unchecked. */
export const CHECK_ERROR_REASONS: readonly CheckErrorReason[] = ['spawn', 'permission', 'descriptors', 'buffers', 'local_address', 'overload', 'exception', 'unresolved'];

export interface ProbeResult {
  ok: boolean;
  durationMs: number;
  /** Short human text: what was seen, or why it failed. */
  detail: string;
  /** Set when ok is false. */
  reason?: FailureReason;
  /**
   * Set when the check could not run (ok is then false): the result is an
   * error, neither up nor down, and the state engine holds the last state.
   */
  error?: CheckErrorReason;
  /**
   * The weight the real server asks for while up (keepalived MISC_CHECK
   * misc_dynamic: exit code - 2). It replaces the configured weight until
   * another result sets it again.
   */
  weight?: number;
  /** Added to the weight while up (keepalived FILE_CHECK: the file's value times its weight). */
  weightDelta?: number;
  /**
   * The share of the weight (configured, or the one `weight` asked for) the
   * server asks for, in percent (the fpm check's weightByQueue, 0-100; HAProxy
   * agent-check `75%`, 0-25600). Kept until another result sets it again.
   */
  weightPercent?: number;
  /**
   * How weightPercent is applied: rounded up by default (only 0% drains a
   * server: weightByQueue); `haproxy-agent` as HAProxy takes an agent's `N%`
   * (server_parse_weight_change_request): rounded down, so 50% of weight 1
   * drains, and never above 256 (HAProxy's largest weight) unless the
   * configured weight already is.
   */
  weightPercentAs?: 'haproxy-agent';
  /**
   * The check ran but says nothing of the server's health (HAProxy agent:
   * a line without up/down, or an agent not reached): no counter, window slot
   * or flap sample moves, the last state holds. Its weight and admin asks apply.
   * `ok` then says nothing either: read the result through verdictOf.
   */
  neutral?: boolean;
  /**
   * The admin state the server's agent asks (HAProxy agent-check `ready`,
   * `drain`, `maint`): a hold of source `agent` on every server of the check,
   * ended by the agent's `ready`; an operator's hold is left as it is.
   */
  admin?: 'ready' | 'drain' | 'maint';
  /** What the fpm check read of the pool's status page, up or down; kept per check for the metrics. */
  fpmPool?: FpmPoolStatus;
  /**
   * Set by passive health (never by a probe): a failed result made of errors
   * in HAProxy's traffic, with its on-error action. `fail-check` is a plain
   * failure; `sudden-death` leaves one more failure before down; `mark-down`
   * is down at once, and `rise` passing checks to come back.
   */
  passive?: 'fail-check' | 'sudden-death' | 'mark-down';
}

/** `neutral`: the check ran and said nothing of the health (ProbeResult.neutral): neither a pass nor a failure. */
export type Verdict = 'up' | 'down' | 'error' | 'neutral';

/** What a result says of the server: every reader that counts or shows results goes by it, not by `ok` alone. */
export function verdictOf(r: ProbeResult): Verdict {
  return r.error ? 'error' : r.neutral ? 'neutral' : r.ok ? 'up' : 'down';
}

/** Where a probe connects. `vip`/`vport` are set only for kinds that need them (exec). */
export interface ProbeTarget {
  host: string;
  port: number;
  /** Through this SOCKS4 proxy (HAProxy socks4 + check-via-socks4); only kinds with `socks4` in their ProbeKind take it. */
  socks4?: Socks4Via;
  vip?: string;
  vport?: number;
}

export interface ProbeContext {
  /** Aborts at the probe's deadline (or on shutdown). Covers every step. */
  deadline: Deadline;
  /** The same as an AbortSignal, for libraries and node APIs (made on first use: the hot probes use `deadline`). */
  readonly signal: AbortSignal;
  timeoutMs: number;
  /** performance.now() value of the deadline, for probes that split it (icmp retries). */
  deadlineAt: number;
  /** Process-wide resources a probe may share (one ICMP socket), injected by the worker. */
  resources?: ProbeResources;
}

export interface ProbeResources {
  pinger?: Pinger;
}

export type ProbeFn<Spec> = (target: ProbeTarget, spec: Spec, ctx: ProbeContext) => Promise<ProbeResult>;
