import { parentPort, workerData } from 'node:worker_threads';
import { forgetReadOnce } from '../probes/read-once.js';
import { EmbeddedQueue } from './embedded-queue.js';
import type { ProbeJob, ProbeOutcome } from './job.js';
import { jobId } from './job.js';
import { Batcher, JOB_STRIDE, pushOutcome, type CheckWire, type FromThread, type ToThread } from './thread-wire.js';

/**
 * A probe thread (thread-queue.ts starts it): the same in-process pool and
 * runProbe as the main thread, for the jobs the main thread sends it. It
 * keeps no state of a server: only each check's def, to spare sending it
 * every round. Process-wide resources (the ICMP socket) stay on the main
 * thread, with the kinds that need them.
 */
const port = parentPort;
if (!port) throw new Error('probe-thread.js runs as a worker thread of rsguard');
const { concurrency } = workerData as { concurrency: number };

const defs = new Map<string, CheckWire>();
const seqOf = new WeakMap<ProbeJob, number>();
const post = (m: FromThread) => port.postMessage(m);
const answers = new Batcher((outcomes) => post({ type: 'outcomes', outcomes }));
const queue = new EmbeddedQueue(concurrency, {});
queue.onOutcome((o: ProbeOutcome) => pushOutcome(answers.open(), seqOf.get(o.job)!, o.startedAt, o.finishedAt, o.result));

port.on('message', (m: ToThread) => {
  switch (m.type) {
    case 'jobs':
      for (let i = 0; i < m.jobs.length; i += JOB_STRIDE) {
        const seq = m.jobs[i] as number;
        const checkId = m.jobs[i + 1] as string;
        const dueAt = m.jobs[i + 2] as number;
        const sent = m.jobs[i + 3] as CheckWire | undefined;
        if (sent) defs.set(checkId, sent);
        const def = defs.get(checkId);
        // The main thread sends a def before any job that needs it; a job without one is its bug, answered as a check error.
        if (!def) {
          pushOutcome(answers.open(), seq, Date.now(), Date.now(), { ok: false, durationMs: 0, detail: `probe thread has no definition of check ${checkId}`, reason: 'error', error: 'exception' });
          continue;
        }
        const job: ProbeJob = { id: jobId(checkId, dueAt), checkId, kind: def.kind, target: def.target, spec: def.spec, timeoutMs: def.timeoutMs, dueAt };
        seqOf.set(job, seq);
        queue.submit(job);
      }
      return;
    case 'reset':
      defs.clear();
      return;
    case 'reread':
      forgetReadOnce();
      return;
    case 'close':
      void queue.close().then(() => {
        answers.drain();
        post({ type: 'closed' });
        port.close();
      });
      return;
  }
});
