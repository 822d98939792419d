import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';

interface RsStatus {
  hardState: string;
  address: string;
  port: number;
  weight: number;
  state: string;
  stateType: string;
  flapping: boolean;
  lastCheck: { ok: boolean; at: string; durationMs: number; detail: string } | null;
}
interface Status {
  virtualServices: Array<{ name: string; address: string; port: number; protocol: string; sorryServerActive: boolean; realServers: RsStatus[] }>;
}

const INTERVAL_MS = 300;
const TIMEOUT_MS = 200;
const FALL = 3;
const RISE = 2;

function config(api: number, ports: number[], queue: string, threads = 0): string {
  return `
${queue}
global:
  listen: 127.0.0.1:${api}
  probeThreads: ${threads}
  logLevel: debug
  startupSpread: 100ms
  checkDefaults: { interval: ${INTERVAL_MS}ms, timeout: ${TIMEOUT_MS}ms, retryInterval: ${INTERVAL_MS}ms, fall: ${FALL}, rise: ${RISE} }
virtualServices:
  - name: web
    address: 192.0.2.1:80
    sorryServer: { address: 127.0.0.1:1, checks: [] }
    checks: [{ kind: http, path: /health, expectBody: ok }]
    realServers:
${ports.map((p, i) => `      - { address: 127.0.0.1:${p}, weight: ${i + 1} }`).join('\n')}
`;
}

// `threads`: embedded mode with its probes on a worker thread (global.probeThreads: 1), the main thread keeping the state.
for (const variant of ['embedded', 'threads', 'distributed'] as const) describe(`daemon end to end (${variant === 'threads' ? 'embedded mode, probes on a thread' : `${variant} mode`})`, () => {
  const mode = variant === 'distributed' ? 'distributed' : 'embedded';
  const threads = variant === 'threads' ? 1 : 0;
  // Distributed: the Redis at 127.0.0.1:6379 with a key prefix of this run's own, and one worker process.
  const queue = mode === 'distributed' ? `queue: { redis: "redis://127.0.0.1:6379", prefix: "rsg-e2e-${process.pid}-${Date.now()}" }` : '';
  let worker: DaemonProcess | undefined;
  let dir: string;
  let file: string;
  let api: number;
  let backends: Backend[];
  let daemon: DaemonProcess;

  const status = async (): Promise<Status> => (await fetch(`http://127.0.0.1:${api}/api/status`)).json() as Promise<Status>;
  const rs = async (port: number) => (await status()).virtualServices[0]!.realServers.find((r) => r.port === port)!;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-e2e-'));
    file = path.join(dir, 'rsguard.yaml');
    api = await freePort();
    backends = [new Backend(await freePort()), new Backend(await freePort())];
    for (const b of backends) await b.start();
    writeFileSync(file, config(api, backends.map((b) => b.port), queue, threads));
    if (mode === 'distributed') {
      worker = new DaemonProcess(['worker', '-c', file, '--concurrency', '50']);
      await worker.waitForLog('worker', (l) => l.msg === 'rsguard worker started');
    }
    daemon = new DaemonProcess(['run', '-c', file]);
    const started = await daemon.waitForLog('start', (l) => l.msg === 'rsguard started');
    assert.equal(started.mode, mode);
    await waitFor('first checks', async () => ((await status()).virtualServices[0]!.realServers.every((r) => r.lastCheck?.ok) ? true : undefined));
  });
  after(async () => {
    await daemon.stop();
    await worker?.stop();
    for (const b of backends) await b.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the status document with the fixed field names', async () => {
    const doc = await status();
    const vs = doc.virtualServices[0]!;
    assert.deepEqual([vs.name, vs.address, vs.port, vs.protocol, vs.sorryServerActive], ['web', '192.0.2.1', 80, 'tcp', false]);
    const r = vs.realServers[0]!;
    assert.deepEqual([r.address, r.port, r.weight, r.state, r.stateType, r.flapping], ['127.0.0.1', backends[0]!.port, 1, 'up', 'hard', false]);
    assert.equal(r.lastCheck!.ok, true);
    assert.equal(r.lastCheck!.detail, 'HTTP 200');
    assert.ok(!Number.isNaN(Date.parse(r.lastCheck!.at)));
    assert.equal(typeof r.lastCheck!.durationMs, 'number');
  });

  it('a killed backend goes soft down, then hard down within fall × interval + timeout, then back up after rise', async () => {
    const victim = backends[1]!;
    const killedAt = Date.now();
    const mark = daemon.mark();
    await victim.kill();
    // Timings from the daemon's own event timestamps, bounded by the configured timing plus a generous margin (a loaded 2-core box).
    const MARGIN_MS = 1000;
    const softLog = await daemon.waitForLog('soft down log', (l) => l.msg === 'real server soft state' && l.rs === `127.0.0.1:${victim.port}` && l.to === 'down/soft', 15_000, mark);
    assert.equal(softLog.from, 'up/hard');
    // A check in flight when the backend is killed sees its connection reset; the next ones are refused.
    assert.match(String(softLog.reason), /refused|reset/);
    const hardLog = await daemon.waitForLog('hard down log', (l) => l.msg === 'real server state changed' && l.rs === `127.0.0.1:${victim.port}` && l.to === 'down', 15_000, mark);
    const firstFailure = (softLog.time as number) - killedAt;
    const confirm = (hardLog.time as number) - (softLog.time as number);
    assert.ok(firstFailure <= INTERVAL_MS + TIMEOUT_MS + MARGIN_MS, `first failure seen ${firstFailure} ms after the kill`);
    // fall - 1 more failures, each a retryInterval (here = interval) apart, each within its timeout.
    assert.ok(confirm <= (FALL - 1) * INTERVAL_MS + TIMEOUT_MS + MARGIN_MS, `hard down ${confirm} ms after the first failure`);
    assert.deepEqual([hardLog.vs, hardLog.from, hardLog.stateType, hardLog.check], ['web', 'up', 'hard', 'http GET /health']);
    assert.match(String(hardLog.reason), /refused/);
    assert.equal(softLog.level, 20, 'soft transition logged at debug');
    const hard = await rs(victim.port);
    assert.deepEqual([hard.state, hard.stateType], ['down', 'hard']);

    await victim.start();
    const upLog = await daemon.waitForLog('hard up log', (l) => l.msg === 'real server state changed' && l.rs === `127.0.0.1:${victim.port}` && l.to === 'up');
    assert.equal(upLog.from, 'down');
    const passesBeforeUp = daemon.logs.filter((l) => l.msg === 'real server soft state' && l.rs === `127.0.0.1:${victim.port}` && l.to === 'up/soft').length;
    assert.equal(passesBeforeUp, RISE - 1, 'one soft recovery before the hard one with rise 2');
    const back = await rs(victim.port);
    assert.deepEqual([back.state, back.stateType], ['up', 'hard']);
  });

  it('the sorry server is active while every real server is down', async () => {
    for (const b of backends) await b.kill();
    await waitFor('sorry active', async () => ((await status()).virtualServices[0]!.sorryServerActive ? true : undefined), 10_000);
    for (const b of backends) await b.start();
    await waitFor('sorry gone', async () => (!(await status()).virtualServices[0]!.sorryServerActive ? true : undefined), 10_000);
  });

  it('serves metrics and healthz', async () => {
    const text = await (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
    assert.match(text, /^rsguard_probe_results_total\{kind="http",outcome="success",reason=""\} \d+/m);
    assert.match(text, /^rsguard_probe_results_total\{kind="http",outcome="failure",reason="refused"\} \d+/m);
    assert.match(text, /^rsguard_real_server_transitions_total\{vs="web",rs="127\.0\.0\.1:\d+",to="down"\} [1-9]/m);
    assert.match(text, new RegExp(`^rsguard_real_server_up\\{vs="web",rs="127\\.0\\.0\\.1:${backends[0]!.port}"\\} [01]`, 'm'));
    assert.match(text, /^rsguard_probe_duration_seconds_bucket\{le="[^"]+",kind="http"\} \d+/m);
    if (mode === 'distributed') {
      assert.match(text, /^rsguard_queue_results_total\{outcome="answered"\} [1-9]/m);
      assert.match(text, /^rsguard_queue_jobs\{state="waiting"\} \d+/m);
    } else assert.doesNotMatch(text, /^rsguard_queue_jobs/m);
    assert.match(text, new RegExp(`^rsguard_probe_threads ${threads}$`, 'm'));
    const health = await fetch(`http://127.0.0.1:${api}/healthz`);
    assert.equal(health.status, 200);
  });

  it('rsguard status prints an ipvsadm-like table', () => {
    const r = spawnSync(process.execPath, [CLI, 'status', '--url', `http://127.0.0.1:${api}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /TCP\s+192\.0\.2\.1:80\s+wrr/);
    for (const b of backends) assert.match(r.stdout, new RegExp(`-> 127\\.0\\.0\\.1:${b.port}\\s+Route\\s+\\d\\s+(up|down)/(soft|hard)`));
  });

  it('rsguard status fails clearly when no daemon answers', () => {
    const r = spawnSync(process.execPath, [CLI, 'status', '--url', 'http://127.0.0.1:1'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot read http:\/\/127\.0\.0\.1:1\/api\/status/);
  });

  it('SIGHUP with an invalid file is logged and ignored; with a valid one it swaps and keeps state', async () => {
    const victim = backends[0]!;
    // The previous test restarted every backend: start from a victim that is hard up again.
    await waitFor('victim up', async () => ((await rs(victim.port)).hardState === 'up' ? true : undefined), 10_000);
    const beforeKill = daemon.mark();
    await victim.kill();
    await daemon.waitForLog('down before reload', (l) => l.msg === 'real server state changed' && l.rs === `127.0.0.1:${victim.port}` && l.to === 'down', 15_000, beforeKill);
    writeFileSync(file, 'virtualServices:\n  - address: nonsense\n');
    daemon.signal('SIGHUP');
    const rejected = await daemon.waitForLog('reload rejected', (l) => l.msg === 'config reload rejected, keeping the running config', 15_000, beforeKill);
    assert.match(JSON.stringify(rejected.errors), /virtualServices\[0\]\.address/);
    assert.equal((await status()).virtualServices[0]!.realServers.length, 2, 'old config still served');

    const third = new Backend(await freePort());
    await third.start();
    try {
      writeFileSync(file, config(api, [...backends.map((b) => b.port), third.port], queue, threads));
      const beforeReload = daemon.mark();
      daemon.signal('SIGHUP');
      await daemon.waitForLog('reloaded', (l) => l.msg === 'config reloaded', 15_000, beforeReload);
      const doc = await status();
      assert.equal(doc.virtualServices[0]!.realServers.length, 3);
      const kept = doc.virtualServices[0]!.realServers.find((r) => r.port === victim.port)!;
      assert.deepEqual([kept.state, kept.stateType], ['down', 'hard'], 'down server stays down across reload: no flap');
      await waitFor('new server checked', async () => ((await rs(third.port)).lastCheck?.ok ? true : undefined));
      const flaps = daemon.logs.slice(beforeReload).filter((l) => l.msg === 'real server state changed' && l.rs === `127.0.0.1:${victim.port}`);
      assert.deepEqual(flaps, [], 'no transition of the kept server after the reload');
    } finally {
      await third.kill();
      await victim.start();
    }
  });

  it('stops cleanly on SIGTERM with exit 0', async () => {
    assert.equal(await daemon.stop(), 0);
    assert.ok(daemon.logs.some((l) => l.msg === 'rsguard stopped'));
  });
});
