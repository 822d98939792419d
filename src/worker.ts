import { Worker } from 'bullmq';
import { describeRedisTarget, type RedisTarget } from './config/redis-target.js';
import type { Logger } from './log.js';
import { createPinger } from './probes/icmp-pinger.js';
import { forgetReadOnce } from './probes/read-once.js';
import { QUEUE_NAME, type ProbeBatch, type WorkerReply } from './scheduler/bullmq-queue.js';
import type { ProbeJob } from './scheduler/job.js';
import { redisConnection } from './scheduler/redis-connection.js';
import { runProbe } from './scheduler/run-probe.js';

export interface WorkerOptions {
  redis: RedisTarget;
  prefix: string;
  concurrency: number;
  /** Jobs that waited longer than this past their due time are not run. */
  staleAfterMs?: number;
  log: Logger;
}

/**
 * `rsguard worker`: runs probe jobs from BullMQ, the same runProbe as
 * embedded mode. Created once; ioredis reconnects underneath it.
 */
export async function startWorker(o: WorkerOptions): Promise<{ close(): Promise<void>; reread(): void }> {
  const pinger = createPinger();
  const connection = redisConnection(o.redis, 'rsguard-worker');
  // A batch's probes run at once, but never more than `concurrency` probes over all batches.
  let running = 0;
  const waiters: Array<() => void> = [];
  const acquire = async () => {
    while (running >= o.concurrency) await new Promise<void>((r) => waiters.push(r));
    running++;
  };
  const release = () => {
    running--;
    waiters.shift()?.();
  };
  const runOne = async (data: ProbeJob): Promise<WorkerReply> => {
    await acquire();
    try {
      const startedAt = Date.now();
      const staleAfter = o.staleAfterMs ?? Math.max(1000, data.timeoutMs);
      if (startedAt - data.dueAt > staleAfter) return { id: data.id, stale: true };
      const result = await runProbe(data, { pinger });
      return { id: data.id, outcome: { result, startedAt, finishedAt: Date.now() } };
    } finally {
      release();
    }
  };
  const worker = new Worker<ProbeBatch, string>(QUEUE_NAME, async (job) => JSON.stringify(await Promise.all(job.data.probes.map(runOne))), {
    connection,
    prefix: o.prefix,
    // Batches in flight: enough to keep `concurrency` probes busy.
    concurrency: Math.max(4, Math.ceil(o.concurrency / 50)),
    autorun: true,
  });
  worker.on('error', (err) => o.log.error({ err: err.message }, 'worker error'));
  await worker.waitUntilReady();
  o.log.info({ redis: describeRedisTarget(o.redis), prefix: o.prefix, concurrency: o.concurrency }, 'rsguard worker started');
  return {
    /** SIGHUP: the files probes keep (CA bundles, /etc/passwd) are read again by the next probes. */
    reread() {
      forgetReadOnce();
      o.log.info({}, 'probe files will be read again');
    },
    async close() {
      // Finishes the probes in flight, then leaves.
      await worker.close();
      pinger.close();
      connection.disconnect();
      o.log.info({}, 'rsguard worker stopped');
    },
  };
}
