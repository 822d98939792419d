// npm run build && node dist/bench/queue-bench.js [--seconds 15 --sizes 1000,5000,10000 --workers 1,2,4 --cpu-share 0.25]
// Distributed mode on the core bench's farm: checks/s at a 1 s interval with
// 1, 2 and 4 worker processes, CPU of rsguard (scheduler + workers) and of
// Redis per 1000 checks, schedule lag p99; embedded mode beside it.
// --cpu-share F gives each worker F of one core (a cgroup quota of its own),
// so one worker is saturated and what a second one adds can be read off.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports.js';
import { startNginxFarm } from './nginx-farm.js';
import { cpuSeconds } from './proc-stats.js';
import { limitCpu } from './cpu-share.js';
import { diffBuckets, histogram, quantile, sumMetric, waitForMetrics } from './prom-text.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli.js');
const arg = (n: string, d: string) => (process.argv.includes(`--${n}`) ? process.argv[process.argv.indexOf(`--${n}`) + 1]! : d);
const seconds = Number(arg('seconds', '15'));
const warmup = Number(arg('warmup', '6'));
const sizes = arg('sizes', '1000,5000,10000').split(',').map(Number);
const workerCounts = arg('workers', '1,2,4').split(',').map(Number);
const cpuShare = Number(arg('cpu-share', '0'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const redisPid = Number(/process_id:(\d+)/.exec(execFileSync('redis-cli', ['info', 'server'], { encoding: 'utf8' }))![1]);

function config(ports: number[], api: number, prefix: string | null): string {
  const vss: string[] = [];
  for (let v = 0; v * 250 < ports.length; v++) {
    vss.push(`  - name: vs${v}\n    address: 192.0.2.${(v % 250) + 1}:${80 + Math.floor(v / 250)}\n    checks: [{ kind: http, path: /health, expectBody: ok }]\n    realServers:\n${ports.slice(v * 250, (v + 1) * 250).map((p) => `      - { address: 127.0.0.1:${p} }`).join('\n')}`);
  }
  const queue = prefix ? `queue: { redis: "redis://127.0.0.1:6379", prefix: "${prefix}" }\n` : '';
  return `${queue}global:\n  listen: 127.0.0.1:${api}\n  logLevel: warn\n  concurrency: 10000\n  startupSpread: 1s\n  checkDefaults: { interval: 1s, timeout: 1s, retryInterval: 1s }\nvirtualServices:\n${vss.join('\n')}\n`;
}

async function row(n: number, workers: number, ports: number[], dir: string) {
  const api = await freePort();
  const prefix = workers ? `rsg-bench-${Date.now()}` : null;
  const file = path.join(dir, `q-${n}-${workers}.yaml`);
  writeFileSync(file, config(ports.slice(0, n), api, prefix));
  const procs: ChildProcess[] = [];
  const releases: Array<() => void> = [];
  for (let w = 0; w < workers; w++) {
    const p = spawn(process.execPath, [cli, 'worker', '-c', file, '--concurrency', '5000', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
    procs.push(p);
    if (cpuShare > 0) releases.push(limitCpu(p.pid!, `rsguard-bench-worker-${w}`, cpuShare));
  }
  const sched = spawn(process.execPath, [cli, 'run', '-c', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  procs.push(sched);
  const metrics = async () => (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
  try {
    await waitForMetrics(metrics, () => sched.exitCode !== null);
    await sleep(warmup * 1000);
    const m0 = await metrics();
    const c0 = procs.map((p) => cpuSeconds(p.pid!));
    const r0 = cpuSeconds(redisPid);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const m1 = await metrics();
    const c1 = procs.map((p) => cpuSeconds(p.pid!));
    const r1 = cpuSeconds(redisPid);
    const elapsed = (performance.now() - t0) / 1000;
    const done = sumMetric(m1, 'rsguard_probe_results_total') - sumMetric(m0, 'rsguard_probe_results_total');
    const lag = diffBuckets(histogram(m0, 'rsguard_schedule_lag_seconds'), histogram(m1, 'rsguard_schedule_lag_seconds'));
    const rsguardCpu = c1.reduce((s, c, i) => s + c - c0[i]!, 0);
    const workerCpu = workers ? c1.slice(0, workers).reduce((s, c, i) => s + c - c0[i]!, 0) / elapsed / workers : 0;
    return { n, workers, workerCores: workerCpu, donePerSec: done / elapsed, pct: (100 * done) / (n * elapsed), lagP99: quantile(0.99, lag) * 1000, rsguardPer1000: (rsguardCpu / done) * 1000, redisPer1000: ((r1 - r0) / done) * 1000 };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)));
    for (const release of releases) release();
    if (prefix) execFileSync('sh', ['-c', 'redis-cli --scan --pattern "$1*" | xargs -r redis-cli del > /dev/null', 'sh', prefix]);
  }
}

const farm = await startNginxFarm(12000, Math.max(...sizes));
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-qbench-'));
const rows = [];
try {
  for (const n of sizes) for (const w of [0, ...workerCounts]) rows.push(await row(n, w, farm.ports, dir));
} finally {
  await farm.stop();
  rmSync(dir, { recursive: true, force: true });
}
const share = cpuShare > 0 ? `, each worker limited to ${cpuShare} of a core (cgroup quota)` : '';
console.log(`\nrsguard queue bench: http checks, interval 1s, ${seconds}s per row${share}, ${new Date().toISOString()}`);
console.log('| N | mode | checks/s | done % | lag p99 ms | cores used per worker | rsguard CPU s/1000 | Redis CPU s/1000 |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.n} | ${r.workers ? `${r.workers} worker${r.workers > 1 ? 's' : ''}` : 'embedded'} | ${r.donePerSec.toFixed(0)} | ${r.pct.toFixed(2)} | ${r.lagP99.toFixed(1)} | ${r.workers ? r.workerCores.toFixed(2) : '-'} | ${r.rsguardPer1000.toFixed(3)} | ${r.redisPer1000.toFixed(3)} |`);
// What each added worker brings, against the row with one worker fewer (the claim: at least +70 % while saturated).
for (const r of rows) {
  const before = rows.find((b) => b.n === r.n && b.workers === r.workers - 1 && b.workers > 0);
  if (before) console.log(`N=${r.n}: worker ${r.workers} adds ${(100 * (r.donePerSec / before.donePerSec - 1)).toFixed(0)} % checks/s (${before.donePerSec.toFixed(0)} -> ${r.donePerSec.toFixed(0)})`);
}
