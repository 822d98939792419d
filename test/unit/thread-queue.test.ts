import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import type { Pinger } from '../../src/probes/icmp-pinger.js';
import type { ProbeJob, ProbeOutcome } from '../../src/scheduler/job.js';
import { ThreadQueue, type ThreadQueueOptions } from '../../src/scheduler/thread-queue.js';
import { BATCH_WINDOW_MS, OUTCOME_STRIDE, pushOutcome, resultAt } from '../../src/scheduler/thread-wire.js';
import type { ProbeResult } from '../../src/probes/types.js';
import { listenOn, waitFor } from '../helpers/ports.js';
import { probeJob } from '../helpers/probe.js';

const quietLog = { error() {}, warn() {}, info() {} };

/** A queue with `threads` probe threads (10 in flight unless told) and the outcomes it delivers, in order. */
function queueOf(threads: number | 'auto', o: Partial<ThreadQueueOptions> = {}): { q: ThreadQueue; outcomes: ProbeOutcome[] } {
  const q = new ThreadQueue({ threads, concurrency: 10, resources: {}, log: quietLog, ...o });
  const outcomes: ProbeOutcome[] = [];
  q.onOutcome((x) => outcomes.push(x));
  return { q, outcomes };
}

function job(kind: string, port: number, spec: Record<string, unknown> = {}, checkId = `${kind}-${port}`, timeoutMs = 2000): ProbeJob {
  const j = probeJob(kind, { host: '127.0.0.1', port }, spec, timeoutMs);
  return { ...j, checkId, id: `${checkId}-${j.dueAt}` };
}

/** Submits and waits for this job's outcome. */
function outcomeOf(q: ThreadQueue, outcomes: ProbeOutcome[], j: ProbeJob, timeoutMs = 10_000): Promise<ProbeOutcome> {
  q.submit(j);
  return waitFor(`outcome of ${j.id}`, () => outcomes.find((o) => o.job === j), timeoutMs, 10);
}

function blockMainThread(ms: number): number {
  const until = Date.now() + ms;
  while (Date.now() < until);
  return until;
}

/** The thread a test kills: the queue's own Worker, reached past its privacy (no hook in the code for it). */
function workerOf(q: ThreadQueue, index = 0): Worker {
  return (q as unknown as { threadList: Array<{ worker: Worker }> }).threadList[index]!.worker;
}

describe('probe threads (ThreadQueue)', () => {
  let listening: net.Server;
  let port: number;
  let hanging: http.Server;
  let hangPort: number;
  const paths: string[] = [];
  let pathServer: http.Server;
  let pathPort: number;

  before(async () => {
    listening = net.createServer((s) => s.on('error', () => {}).end());
    port = await listenOn(listening);
    // Accepts and never answers: a probe stays in flight until its deadline.
    hanging = http.createServer(() => {});
    hangPort = await listenOn(hanging);
    pathServer = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      res.end('ok');
    });
    pathPort = await listenOn(pathServer);
  });
  after(() => {
    listening.close();
    hanging.closeAllConnections();
    hanging.close();
    pathServer.close();
  });

  it('runs a probe on its thread while the main thread is busy (the same probe on the main thread waits for it)', async () => {
    // A server in a process of its own that answers 100 ms after each request: the answer comes while the test's
    // main thread is blocked, so only where the probe runs decides whether it is read then.
    const server = spawn(process.execPath, ['-e', "const s=require('http').createServer((q,r)=>setTimeout(()=>r.end('ok'),100)).listen(0,'127.0.0.1',()=>console.log(s.address().port))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(server.stdout!, 'data')) as [Buffer];
      const slowPort = Number(line.toString().trim());
      for (const threads of [0, 1]) {
        const { q, outcomes } = queueOf(threads);
        try {
          // Warm: the thread is up and has loaded the probes.
          await outcomeOf(q, outcomes, job('http', slowPort, {}, 'warm'));
          const j = job('http', slowPort);
          q.submit(j);
          // Jobs go to a thread a few milliseconds after they are submitted (one message for many): let them go.
          await new Promise((r) => setTimeout(r, BATCH_WINDOW_MS + 5));
          const busyUntil = blockMainThread(600);
          const o = await waitFor('outcome', () => outcomes.find((x) => x.job === j), 10_000, 10);
          assert.equal(o.result.ok, true, o.result.detail);
          if (threads === 1) assert.ok(o.finishedAt < busyUntil, `on a thread the probe ended ${o.finishedAt - busyUntil} ms after the main thread was free again`);
          else assert.ok(o.finishedAt >= busyUntil, 'on the main thread the probe could not end before the main thread was free');
        } finally {
          await q.close();
        }
      }
    } finally {
      server.kill();
    }
  });

  it('answers each job with its own outcome, pass and fail, through the short form after the first round', async () => {
    const { q, outcomes } = queueOf(2, { concurrency: 50 });
    const closed = net.createServer();
    const closedPort = await listenOn(closed);
    await new Promise((r) => closed.close(r));
    try {
      for (let round = 0; round < 3; round++) {
        const jobs = Array.from({ length: 20 }, (_, i) => (i % 2 ? job('tcp', closedPort, {}, `dead-${i}`) : job('tcp', port, {}, `live-${i}`)));
        const got = await Promise.all(jobs.map((j) => outcomeOf(q, outcomes, j)));
        for (const [i, o] of got.entries()) assert.equal(o.result.ok, i % 2 === 0, `${o.job.checkId}: ${o.result.detail}`);
      }
      assert.equal(q.pending(), 0);
    } finally {
      await q.close();
    }
  });

  it('sends a check again whole when its spec changed under the same id (a reload)', async () => {
    const { q, outcomes } = queueOf(1);
    try {
      await outcomeOf(q, outcomes, job('http', pathPort, { path: '/first' }, 'same-id'));
      q.expectChecks();
      const second = await outcomeOf(q, outcomes, job('http', pathPort, { path: '/second' }, 'same-id'));
      assert.equal(second.result.ok, true, second.result.detail);
      assert.deepEqual(paths.slice(-2), ['/first', '/second']);
    } finally {
      await q.close();
    }
  });

  it('keeps ICMP on the main thread, where its socket is', async () => {
    const pinged: string[] = [];
    const pinger = { ping: async (host: string) => (pinged.push(host), 0.1), close() {} } as unknown as Pinger;
    const { q, outcomes } = queueOf(1, { resources: { pinger } });
    try {
      const o = await outcomeOf(q, outcomes, job('icmp', 0, {}, 'ping'));
      assert.equal(o.result.ok, true, o.result.detail);
      assert.deepEqual(pinged, ['127.0.0.1']);
    } finally {
      await q.close();
    }
  });

  it('a thread that dies answers its jobs stale at once, its checks run on the main thread, then on a new thread', async () => {
    const errors: string[] = [];
    const { q, outcomes } = queueOf(1, { log: { ...quietLog, error: (_o: object, m: string) => errors.push(m) } });
    try {
      await outcomeOf(q, outcomes, job('tcp', port, {}, 'warm'));
      const first = workerOf(q);
      const hung = job('http', hangPort, {}, 'hung', 5000);
      q.submit(hung);
      await waitFor('the hung request', () => q.pending() === 1 || undefined);
      await new Promise((r) => setTimeout(r, 100));
      const killedAt = Date.now();
      await first.terminate();
      const o = await waitFor('stale outcome', () => outcomes.find((x) => x.job === hung), 3000, 10);
      assert.equal(o.stale, true);
      assert.ok(o.finishedAt - killedAt < 2000, 'answered before its 5 s deadline');
      assert.ok(errors.includes('probe thread exited: its checks run on the main thread until it is started again'), errors.join('; '));
      // Within the respawn delay the check runs on the main thread, and passes.
      const meanwhile = await outcomeOf(q, outcomes, job('tcp', port, {}, 'meanwhile'));
      assert.equal(meanwhile.result.ok, true, meanwhile.result.detail);
      assert.equal(workerOf(q), undefined);
      assert.equal(q.threads(), 0);
      await new Promise((r) => setTimeout(r, 1100));
      const later = await outcomeOf(q, outcomes, job('tcp', port, {}, 'later'));
      assert.equal(later.result.ok, true, later.result.detail);
      assert.ok(workerOf(q) && workerOf(q) !== first, 'a new thread was started');
      assert.equal(q.threads(), 1);
    } finally {
      await q.close();
    }
  });

  it('close() ends a probe in flight at once and delivers nothing after', async () => {
    const { q, outcomes } = queueOf(1);
    await outcomeOf(q, outcomes, job('tcp', port, {}, 'warm'));
    const hung = job('http', hangPort, {}, 'hung', 8000);
    q.submit(hung);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await q.close();
    assert.ok(Date.now() - started < 2500, `close took ${Date.now() - started} ms`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(outcomes.find((o) => o.job === hung), undefined);
  });

  it('a result crosses whole: its common fields flat, any other field (weights, admin, fpm pool) with the object', () => {
    const results: ProbeResult[] = [
      { ok: true, durationMs: 1.5, detail: 'HTTP 200' },
      { ok: false, durationMs: 1000, detail: 'timed out', reason: 'timeout' },
      { ok: false, durationMs: 0, detail: 'EMFILE', reason: 'error', error: 'descriptors' },
      { ok: true, durationMs: 2, detail: 'agent', weightPercent: 50, weightPercentAs: 'haproxy-agent', admin: 'drain' },
      { ok: true, durationMs: 2, detail: 'fpm', fpmPool: { listenQueue: 3 } as unknown as ProbeResult['fpmPool'], weight: 7 },
    ];
    const flat: unknown[] = [];
    results.forEach((r, i) => pushOutcome(flat, i, 100 + i, 200 + i, r));
    assert.equal(flat.length, results.length * OUTCOME_STRIDE);
    const back = structuredClone(flat);
    results.forEach((r, i) => {
      assert.deepEqual(resultAt(back, i * OUTCOME_STRIDE), r);
      assert.deepEqual(back.slice(i * OUTCOME_STRIDE, i * OUTCOME_STRIDE + 3), [i, 100 + i, 200 + i]);
    });
  });

  it('auto: one more thread when the main loop was over 80 % busy, up to the CPUs beyond the first, at most 4', () => {
    assert.equal(ThreadQueue.addsThread(0.8, 0, 8), false);
    assert.equal(ThreadQueue.addsThread(0.81, 0, 8), true);
    assert.equal(ThreadQueue.addsThread(0.95, 0, 1), false, 'one CPU: a thread would only share it');
    assert.equal(ThreadQueue.addsThread(0.95, 1, 2), false);
    assert.equal(ThreadQueue.addsThread(0.95, 2, 8), true);
    assert.equal(ThreadQueue.addsThread(0.95, 4, 32), false);
  });
});
