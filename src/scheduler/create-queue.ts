import type { Model } from '../model/model.js';
import type { Logger } from '../lib/logger.js';
import type { CheckState } from '../state/check-state.js';
import type { ProbeResources } from '../probes/types.js';
import type { BullmqQueue } from './bullmq-queue.js';
import { FileStateStore, stateFileOf } from './file-state-store.js';
import type { ProbeQueue } from './job.js';
import { resolveRedisTarget } from './resolve-redis.js';
import { ThreadQueue } from './thread-queue.js';

export interface StateStore {
  load(ids: Iterable<string>): Promise<Map<string, CheckState>>;
  save(id: string, state: CheckState): void;
  retain(ids: ReadonlySet<string>): void;
  /** Distributed mode: resolves once every state saved so far is in Redis (asked before each balancer write). */
  flush?(): Promise<void>;
  close(): Promise<void>;
}

export interface QueueSetup {
  queue: ProbeQueue;
  mode: 'embedded' | 'distributed';
  /** Distributed mode: the BullMQ queue, for its metrics. */
  distributed?: BullmqQueue;
  /** Where check states survive a restart (Redis, or a local file), if anywhere. */
  stateStore?: StateStore;
  stateStoreName?: string;
  close(): Promise<void>;
}

/**
 * Embedded (in-process pool, states in a local file) or distributed (BullMQ
 * on Redis, states in Redis), chosen by one rule for the scheduler and
 * `rsguard worker` alike (resolveRedisTarget). BullMQ and ioredis (about 25 MB
 * resident) are loaded only in distributed mode.
 */
export async function createQueue(model: Model, configFile: string, resources: ProbeResources, clock: () => number, log: Logger): Promise<QueueSetup> {
  const target = resolveRedisTarget({ config: model.queue.redis });
  if (target) {
    const [{ BullmqQueue }, { redisConnection }, { RedisStateStore }] = await Promise.all([import('./bullmq-queue.js'), import('./redis-connection.js'), import('./state-store.js')]);
    const redis = [redisConnection(target, 'rsguard-scheduler'), redisConnection(target, 'rsguard-events')] as const;
    const queue = new BullmqQueue(
      redis[0],
      redis[1],
      model.queue.prefix,
      clock,
      (message) => log.error({ err: message }, 'probe jobs not queued, checks are stale'),
      (c, lastError) =>
        c.begins
          ? log.warn({ lost: c.lost, ...(lastError ? { err: lastError } : {}) }, 'fail static: probe jobs go unanswered (Redis or every worker away), servers keep their last state')
          : log.info({ lastedMs: c.lastedMs, lost: c.lost }, 'fail static ends: probe answers are back'),
    );
    const stateStore = new RedisStateStore(redis[0], model.queue.prefix, (err) => log.error({ err: err.message }, 'check states not saved to Redis'));
    return {
      queue,
      mode: 'distributed',
      distributed: queue,
      stateStore,
      stateStoreName: 'Redis',
      async close() {
        await queue.close();
        await stateStore.close();
        for (const r of redis) r.disconnect();
      },
    };
  }
  const queue = new ThreadQueue({ threads: probeThreadsOf(model.global.probeThreads, log), concurrency: model.global.concurrency, resources, clock, log });
  const file = stateFileOf(model.global.stateFile, configFile);
  const stateStore = file ? new FileStateStore(file, (err) => log.error({ file, err: err.message }, 'check states not saved')) : undefined;
  return {
    queue,
    mode: 'embedded',
    ...(stateStore ? { stateStore, stateStoreName: file as string } : {}),
    async close() {
      await queue.close();
      await stateStore?.close();
    },
  };
}

/**
 * A config that does not set probeThreads takes RSGUARD_PROBE_THREADS (a number or `auto`), for a benchmark's
 * A/B or a trial on one host without editing a shared config; else 0, every probe on the main thread.
 */
function probeThreadsOf(configured: number | 'auto' | undefined, log: Logger): number | 'auto' {
  if (configured !== undefined) return configured;
  const env = process.env.RSGUARD_PROBE_THREADS;
  if (env === undefined || env === '') return 0;
  if (env === 'auto') return env;
  const n = Number(env);
  if (Number.isInteger(n) && n >= 0 && n <= 16) return n;
  log.warn({ RSGUARD_PROBE_THREADS: env }, 'RSGUARD_PROBE_THREADS is neither auto nor a whole number from 0 to 16: ignored, no probe threads');
  return 0;
}
