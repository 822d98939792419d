import { Worker } from 'bullmq';
import type { Logger } from './log.js';
import { createPinger } from './probes/icmp-pinger.js';
import { QUEUE_NAME, type WorkerReply } from './scheduler/bullmq-queue.js';
import type { ProbeJob } from './scheduler/job.js';
import { redisConnection } from './scheduler/redis-connection.js';
import { runProbe } from './scheduler/run-probe.js';

export interface WorkerOptions {
  redis: string;
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
export async function startWorker(o: WorkerOptions): Promise<{ close(): Promise<void> }> {
  const pinger = createPinger();
  const connection = redisConnection(o.redis, 'rsguard-worker');
  const worker = new Worker<ProbeJob, string>(
    QUEUE_NAME,
    async (job) => {
      const data = job.data;
      const startedAt = Date.now();
      const staleAfter = o.staleAfterMs ?? Math.max(1000, data.timeoutMs);
      if (startedAt - data.dueAt > staleAfter) return JSON.stringify({ stale: true } satisfies WorkerReply);
      const result = await runProbe(data, { pinger });
      return JSON.stringify({ outcome: { result, startedAt, finishedAt: Date.now() } } satisfies WorkerReply);
    },
    { connection, prefix: o.prefix, concurrency: o.concurrency, autorun: true },
  );
  worker.on('error', (err) => o.log.error({ err: err.message }, 'worker error'));
  await worker.waitUntilReady();
  o.log.info({ redis: o.redis.replace(/\/\/[^@]*@/, '//***@'), prefix: o.prefix, concurrency: o.concurrency }, 'rsguard worker started');
  return {
    async close() {
      // Finishes the probes in flight, then leaves.
      await worker.close();
      pinger.close();
      connection.disconnect();
      o.log.info({}, 'rsguard worker stopped');
    },
  };
}
