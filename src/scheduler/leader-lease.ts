import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Timers } from '../lib/timers.js';

/**
 * One leader among the schedulers of a queue (distributed mode): a lease in
 * Redis, taken with set-if-absent and an expiry, renewed well before it ends,
 * with a fencing token that grows at every takeover.
 *
 * The leader's own view of its lease is local and conservative: it counts the
 * lease from the moment the request that took or renewed it was *sent*
 * (Redis may have set the expiry a little later, never earlier) on the
 * monotonic clock, minus a margin for clock drift. A leader that was paused
 * (SIGSTOP, a VM freeze, a blocked loop) finds on waking that its lease ran
 * out by its own clock before it asks Redis anything, so it writes nothing:
 * callers ask `valid()` right before every balancer write and every mail.
 */
export type LeaseRole = 'leader' | 'standby';

export interface LeaseView {
  role: LeaseRole;
  /** Who holds the lease, as Redis last said (this process's id when leader); undefined when nobody or unknown. */
  holder: string | undefined;
  /** The fencing token of the current holder's term. */
  token: number | undefined;
  /** Milliseconds of lease this process may still count on (0 unless leader). */
  remainingMs: number;
}

export interface LeaseOptions {
  /** Redis key prefix of the queue (`<prefix>:leader`, `<prefix>:leader:token`). */
  prefix: string;
  /** How long a lease lasts without renewal. */
  ttlMs: number;
  /** This process's id in the lease; default host:pid:random. */
  holder?: string;
  timers: Timers;
  /** Monotonic milliseconds (performance.now in production). */
  now: () => number;
  onChange?: (view: LeaseView) => void;
  onError?: (err: Error) => void;
}

// Take the lease if free, or renew it if it is ours; answer the holder and token either way.
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  local t = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. '|' .. t, 'PX', ARGV[2])
  return {ARGV[1], t}
end
local holder, tok = string.match(cur, '^(.*)|(%d+)$')
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return {holder or '', tonumber(tok) or 0}
`;

// Give the lease back only if it is still ours (this term's token).
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** The key the lease is kept in: `<prefix>:leader`, its value `holder|token`. */
export function leaseKeyOf(prefix: string): string {
  return `${prefix}:leader`;
}

export class LeaderLease {
  readonly holder: string;
  private readonly key: string;
  private readonly tokenKey: string;
  private validUntil = 0;
  private view: LeaseView = { role: 'standby', holder: undefined, token: undefined, remainingMs: 0 };
  private timer: unknown;
  private stopped = false;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly redis: Redis, private readonly opts: LeaseOptions) {
    this.holder = opts.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.key = leaseKeyOf(opts.prefix);
    this.tokenKey = `${opts.prefix}:leader:token`;
  }

  /** Renewal every third of the lease: two renewals may fail before it lapses. */
  get renewEveryMs(): number {
    return Math.max(50, Math.floor(this.opts.ttlMs / 3));
  }

  /** Drift margin: the leader stops counting on its lease this much before Redis would let it go. */
  private get marginMs(): number {
    return Math.max(10, Math.floor(this.opts.ttlMs * 0.05));
  }

  start(): void {
    this.stopped = false;
    this.tick();
  }

  /** Whether this process may act as leader right now (asked before every balancer write and every mail). */
  valid(): boolean {
    if (this.view.role !== 'leader') return false;
    if (this.opts.now() < this.validUntil) return true;
    // The lease lapsed by our own clock (paused, cut off from Redis): stand down at once, before anything else runs.
    this.change({ role: 'standby', holder: undefined, token: this.view.token });
    return false;
  }

  /** The lease's value in Redis while this process may lead (`holder|token`): a write fenced on it is refused once another leads. */
  fence(): string | undefined {
    return this.valid() && this.view.token !== undefined ? `${this.holder}|${this.view.token}` : undefined;
  }

  current(): LeaseView {
    this.valid();
    return this.snapshot();
  }

  private snapshot(): LeaseView {
    return { ...this.view, remainingMs: this.view.role === 'leader' ? Math.max(0, Math.round(this.validUntil - this.opts.now())) : 0 };
  }

  /** One acquire-or-renew round now (tests, and the start of a run). */
  async round(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.attempt().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.opts.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight?.catch(() => undefined);
    if (this.view.role === 'leader' && this.view.token !== undefined) {
      const mine = `${this.holder}|${this.view.token}`;
      // A clean stop hands over at once instead of after the lease time.
      await this.redis.eval(RELEASE, 1, this.key, mine).catch((err: Error) => this.opts.onError?.(err));
    }
    this.change({ role: 'standby', holder: undefined, token: this.view.token });
  }

  private tick(): void {
    if (this.stopped) return;
    void this.round().finally(() => {
      if (this.stopped) return;
      // A standby asks as often as a leader renews, so a takeover comes within the lease time plus one round.
      this.timer = this.opts.timers.setTimeout(() => this.tick(), this.renewEveryMs);
    });
  }

  private async attempt(): Promise<void> {
    const sentAt = this.opts.now();
    try {
      const [holder, token] = (await this.redis.eval(ACQUIRE, 2, this.key, this.tokenKey, this.holder, String(this.opts.ttlMs))) as [string, number];
      if (holder === this.holder) {
        this.validUntil = sentAt + this.opts.ttlMs - this.marginMs;
        // The answer may arrive after the lease it renewed already lapsed by our clock (a long pause mid-request).
        if (this.opts.now() < this.validUntil) this.change({ role: 'leader', holder, token });
        else this.change({ role: 'standby', holder, token });
      } else {
        this.validUntil = 0;
        this.change({ role: 'standby', holder: holder || undefined, token: token || undefined });
      }
    } catch (err) {
      // Redis unreachable: a leader keeps acting only until its lease runs out by its own clock (valid() says when).
      this.opts.onError?.(err as Error);
      this.valid();
    }
  }

  private change(next: Omit<LeaseView, 'remainingMs'>): void {
    const prev = this.view;
    this.view = { ...next, remainingMs: 0 };
    if (prev.role !== next.role || prev.holder !== next.holder || prev.token !== next.token) this.opts.onChange?.(this.snapshot());
  }
}
