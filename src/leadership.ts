import type { Redis } from 'ioredis';
import type { Actuator } from './actuators/actuator.js';
import { fenced } from './actuators/fenced.js';
import type { Model } from './model/model.js';
import type { MonitorEvent } from './engine/events.js';
import { realTimers } from './lib/timers.js';
import { waitAtMost } from './lib/wait-at-most.js';
import type { Logger } from './log.js';
import type { Notifications } from './notify/wire-notifications.js';
import { LeaderLease, leaseKeyOf, type LeaseView } from './scheduler/leader-lease.js';
import { RedisHolds } from './engine/redis-holds.js';
import { resolveRedisTarget } from './scheduler/resolve-redis.js';
import { redisSentMarks, type SentMarks } from './notify/sent-marks.js';

/** Default lease: a standby takes over within this plus one renewal round of a leader's death. */
export const DEFAULT_LEASE_MS = 10_000;

/**
 * Part of the composition root: in distributed mode several `rsguard run`
 * may share one queue; one leads (schedules, writes the balancer, mails) and
 * the others stand by. Embedded mode has one process and no lease: every
 * gate here is then open.
 */
export interface Leadership {
  /** The lease's view for status and metrics; undefined in embedded mode. */
  view(): LeaseView | undefined;
  /**
   * Writes to the balancer only while the lease is held (asked right before
   * each), and only once `persist` (the check states to Redis) has run or had
   * a third of the lease: a state the balancer shows is one a takeover reads.
   */
  fence(a: Actuator, persist?: () => Promise<void>): Actuator;
  /** Mails and hooks only while the lease is held: a paused leader that woke without it sends nothing. */
  gate(n: Notifications): Notifications;
  /** Distributed mode: the mail ids every scheduler on the queue has sent, so a takeover does not mail a transition twice. */
  sentMarks(): SentMarks | undefined;
  /** Distributed mode: the operator holds every scheduler on the queue reads, written by the leader only (fenced on its lease). */
  holds(): RedisHolds | undefined;
  /** Holds the lease now (always, in embedded mode): asked before every mail. */
  leading(): boolean;
  /**
   * Runs `lead` when this process takes the lease and `standBy` when it loses it (never both at once). Balancer writes
   * stay fenced until `lead` calls `ready` (it has read what the last leader left) or ends.
   */
  start(lead: (ready: () => void) => Promise<void>, standBy: () => void): Promise<void>;
  stop(): Promise<void>;
}

const open: Leadership = {
  view: () => undefined,
  fence: (a) => a,
  gate: (n) => n,
  sentMarks: () => undefined,
  holds: () => undefined,
  leading: () => true,
  start: async (lead) => lead(() => undefined),
  stop: async () => undefined,
};

/** The status document's `leadership` part, absent in embedded mode. */
export function withLease(view: LeaseView | undefined): { leadership?: LeaseView } {
  return view ? { leadership: view } : {};
}

export async function wireLeadership(model: Model, log: Logger, onChange: (v: LeaseView) => void): Promise<Leadership> {
  const target = resolveRedisTarget({ config: model.queue.redis });
  if (!target) return open;
  const ttlMs = model.queue.leaseMs ?? DEFAULT_LEASE_MS;
  // Its own connection: BullMQ's waits forever for Redis (maxRetriesPerRequest null), a lease round must fail fast.
  const redis: Redis = (await import('./scheduler/redis-connection.js')).leaseConnection(target, Math.max(100, Math.floor(ttlMs / 3)));
  let lead: (ready: () => void) => Promise<void> = async () => undefined;
  let standBy: () => void = () => undefined;
  let leading = false;
  // Taken over: the holds and check states the last leader left are read. Until then this process's pools are planned
  // on what it read when it started as a standby, and a write retried in between (the fence refused it while standing
  // by) would put a stale pool in: a flap the failover test caught once in ten kills.
  let settled = false;
  // Counts the takeovers that opened writes: a pool planned before the last one is planned again (fenced.ts).
  let epoch = 0;
  // Takeovers started: a takeover opens writes only while it is the latest (a lease lost and taken again meanwhile
  // starts another, which must read the states itself first).
  let takeovers = 0;
  const openWrites = (takeover: number) => {
    if (takeover !== takeovers || !leading || settled) return;
    epoch++;
    settled = true;
  };
  let gated: Notifications | undefined;
  let errors = 0;
  const lease = new LeaderLease(redis, {
    prefix: model.queue.prefix,
    ttlMs,
    timers: realTimers,
    now: () => performance.now(),
    onError: (err) => {
      // Logged when it starts failing and then rarely: a leader cut off from Redis keeps its lease only until it runs out.
      if (errors++ % 50 === 0) log.warn({ err: err.message }, 'leader lease not renewed: Redis does not answer');
    },
    onChange: (v) => {
      onChange(v);
      if (v.role === 'leader' && !leading) {
        leading = true;
        errors = 0;
        log.warn({ token: v.token, holder: v.holder }, 'leader: this scheduler holds the lease and drives the balancer');
        settled = false;
        const takeover = ++takeovers;
        void lead(() => openWrites(takeover))
          .catch((err: Error) => log.error({ err: err.message }, 'taking over as leader failed: writing to the balancer on what this scheduler knows'))
          .finally(() => openWrites(takeover));
        void gated?.adopt();
      } else if (v.role === 'standby' && leading) {
        leading = false;
        settled = false;
        log.warn({ holder: v.holder ?? null, token: v.token ?? null }, 'standby: the lease is lost; no balancer write and no mail from this scheduler');
        standBy();
      } else if (v.role === 'standby') log.info({ holder: v.holder ?? null, token: v.token ?? null }, 'standby: another scheduler holds the lease');
    },
  });
  const valid = () => lease.valid();
  const marks = redisSentMarks(redis, model.queue.prefix);
  // On the lease's connection: a drain through the API must fail in seconds when Redis is away, not wait for it.
  const holds = new RedisHolds(redis, model.queue.prefix, leaseKeyOf(model.queue.prefix), () => lease.fence(), log);
  return {
    sentMarks: () => marks,
    holds: () => holds,
    leading: valid,
    view: () => lease.current(),
    fence: (a, persist) => fenced(a, { valid: () => settled && valid(), epoch: () => epoch, ...(persist ? { beforeWrite: () => waitAtMost(persist(), lease.renewEveryMs) } : {}) }),
    gate: (n) => {
      // Kept to hand it, on taking over, the mail the last leader left in the outbox.
      gated = n;
      return {
        ...n,
        onEvent: (e: MonitorEvent) => {
          if (valid()) n.onEvent(e);
          else if (e.type === 'server-hard') log.info({ event: e.type }, 'not the leader: no mail or hook for this event');
        },
      };
    },
    async start(l, s) {
      lead = l;
      standBy = s;
      lease.start();
      await lease.round();
    },
    async stop() {
      // Before the lease is given back: a last change still pending is written while this process may.
      await holds.close();
      await lease.stop();
      redis.disconnect();
    },
  };
}
