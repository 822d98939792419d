import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runProbe, overloadMarginMs } from '../../src/scheduler/run-probe.js';
import type { ProbeJob } from '../../src/scheduler/job.js';
import { createBlackhole, type Blackhole } from '../helpers/blackhole-netns.js';
import { recordFault } from './fault-rows.js';
import { listenOn } from '../helpers/ports.js';
import { probeJob } from '../helpers/probe.js';

/**
 * rsguard's event loop falling behind (thousands of checks a second on a
 * loaded director, a long GC) must not fail healthy servers: at 10,000 HTTP
 * checks a second on 2 cores the loop ran seconds behind, and timers fired
 * before answers that had come in time were read, failing thousands of
 * checks of healthy servers. Here the loop is blocked on purpose, right after
 * the probe starts, for longer than the check's timeout.
 */
const TIMEOUT_MS = 100;
const BLOCK_MS = 400;

function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // rsguard's main thread busy with other work
  }
}

/** A job with this file's timeout. */
function job(kind: string, host: string, port: number, spec: Record<string, unknown> = {}): ProbeJob {
  return probeJob(kind, { host, port }, spec, TIMEOUT_MS);
}

/**
 * Starts the probe, then keeps the loop busy before it can read anything.
 * Started from the check phase (setImmediate), so the next thing libuv runs
 * after the block is the next turn's timers, before its reads: the order in
 * which a loop that is behind finds them.
 */
async function probeWhileBlocked(j: ProbeJob) {
  await new Promise((r) => setImmediate(r));
  const pending = runProbe(j, {});
  blockLoop(BLOCK_MS);
  return pending;
}

describe('an overloaded event loop is a check error, not a dead server', () => {
  let tcp: net.Server;
  let web: http.Server;
  let slowWeb: http.Server;
  let tcpPort: number;
  let webPort: number;
  let slowPort: number;
  let blackhole: Blackhole;

  before(async () => {
    tcp = net.createServer((s) => s.on('error', () => {}));
    web = http.createServer((_q, r) => r.end('ok'));
    // Answers 20 ms after the request: within the timeout, but only once rsguard has sent it.
    slowWeb = http.createServer((_q, r) => setTimeout(() => r.end('ok'), 20));
    tcpPort = await listenOn(tcp);
    webPort = await listenOn(web);
    slowPort = await listenOn(slowWeb);
    blackhole = createBlackhole();
  });
  after(() => {
    tcp.close();
    web.close();
    slowWeb.close();
    blackhole.close();
  });

  it('the margin: a quarter of the timeout, at least 100 ms', () => {
    assert.equal(overloadMarginMs(100), 100);
    assert.equal(overloadMarginMs(2000), 500);
    assert.ok(BLOCK_MS - TIMEOUT_MS > overloadMarginMs(TIMEOUT_MS), 'the block must make the deadline late beyond the margin');
  });

  it('without a blocked loop, a server that never answers fails its check with a timeout (the thing can happen)', async () => {
    const r = await runProbe(job('tcp', blackhole.address, 80), {});
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'timeout', r.detail);
  });

  it('tcp: a connect that completed while the loop was blocked passes', async () => {
    const r = await probeWhileBlocked(job('tcp', '127.0.0.1', tcpPort));
    assert.equal(r.ok, true, r.detail);
  });

  it('http: a healthy server answering at once is never failed by the block (it passes, or is not judged)', async () => {
    // The connect completes during the block; the request goes out in the turn after it, and the deadline's
    // abort waits only for that turn's reads: whether the answer is read before it depends on the kernel's timing.
    const r = await probeWhileBlocked(job('http', '127.0.0.1', webPort, { path: '/' }));
    assert.ok(r.ok || r.error === 'overload', `${r.reason}: ${r.detail}`);
  });

  it('http: a request rsguard could not even send in time is not judged (check error "overload")', async () => {
    const r = await probeWhileBlocked(job('http', '127.0.0.1', slowPort, { path: '/' }));
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'error', r.detail);
    assert.equal(r.error, 'overload');
    assert.match(r.detail, /^not judged: rsguard's event loop was \d+ ms behind when its 100 ms timeout came/);
  });

  it('a server that never answers is not judged either while the loop is blocked: rsguard cannot tell', async () => {
    const r = await probeWhileBlocked(job('tcp', blackhole.address, 80));
    assert.equal(r.error, 'overload', r.detail);
    recordFault({ fault: 'rsguard\'s event loop blocked past the check timeout (tcp, http)', tried: 4, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: 'answers read first; else check error "overload"' });
  });
});
