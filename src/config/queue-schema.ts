import { z } from 'zod';
import { duration } from '../lib/duration.js';
import { redisTargetSchema } from './redis-target.js';

/** Distributed mode: probe jobs go through BullMQ on Redis when `redis` (or REDIS_URL) is set: one server, or the primary of a Sentinel set. */
export const queueSchema = z
  .object({
    redis: redisTargetSchema.optional(),
    /** Key prefix, so several rsguard installations can share one Redis. */
    prefix: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/).default('rsguard'),
    /** A job still waiting this long after it was due is dropped by workers (a stale result is worthless). */
    staleAfter: duration.optional(),
    /**
     * Several schedulers on one queue: one holds a lease in Redis this long, renewed every third of it; the
     * others stand by and take over within this time (plus a round) of its death. Default 10 s.
     */
    leaseTime: duration.refine((ms) => ms >= 300, 'at least 300ms').optional(),
  })
  .strict();
