// npm run build && node dist/bench/queue-bench.js [--seconds 15 --sizes 1000,5000,10000 --workers 1,2,4 --cpu-share 0.25 --cpu-prof DIR]
// The scale-out figure (issue 25): npm run bench -- --distributed, which runs this with
// --sizes 20000 --workers 4 --cpu-share 0.4 (any of them can be given to override).
// Distributed mode on the core bench's farm: due and done checks/s at a 1 s
// interval with 1, 2 and 4 worker processes, embedded mode beside it at the
// same N; the scheduler's CPU (all threads, and its main thread), each
// worker's and Redis's and nginx's, and what the queue costs per check
// (rsguard and Redis CPU per check, minus embedded mode's at the same N);
// schedule lag p99. --cpu-share F gives each worker F of one core (a cgroup
// quota of its own, with how often the quota bit), so one worker is
// saturated and what a second one adds can be read off. --cpu-prof DIR
// writes a V8 CPU profile of each row's scheduler and first worker and
// prints their summaries (bench/profile-summary.ts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports.js';
import { startNginxFarm } from './nginx-farm.js';
import { cpuSeconds, threadCpuSeconds } from './proc-stats.js';
import { limitCpu, type CpuLimit, type Throttling } from './cpu-share.js';
import { diffBuckets, histogram, quantile, sumMetric, waitForMetrics } from './prom-text.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli.js');
const arg = (n: string, d: string) => (process.argv.includes(`--${n}`) ? process.argv[process.argv.indexOf(`--${n}`) + 1]! : d);
const seconds = Number(arg('seconds', '15'));
const warmup = Number(arg('warmup', '6'));
const sizes = arg('sizes', '1000,5000,10000').split(',').map(Number);
const workerCounts = arg('workers', '1,2,4').split(',').map(Number);
const cpuShare = Number(arg('cpu-share', '0'));
const profDir = arg('cpu-prof', '') ? path.resolve(arg('cpu-prof', '')) : '';
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

interface Row {
  n: number;
  workers: number;
  due: number;
  done: number;
  pct: number;
  lagP99: number;
  /** Cores the scheduler process used (all threads), and its main thread alone (the event loop's ceiling is 1). */
  schedCores: number;
  schedMainPct: number;
  schedPer1000: number;
  workerCores: number;
  /** Share of the quota's periods in which a worker hit its quota (mean over the workers). */
  throttledPct: number;
  redisCores: number;
  nginxCores: number;
  /** rsguard (scheduler and workers) and Redis CPU seconds per 1000 checks done. */
  totalPer1000: number;
  redisPer1000: number;
}

async function row(n: number, workers: number, ports: number[], dir: string, farmCpu: () => number): Promise<Row> {
  const api = await freePort();
  const prefix = workers ? `rsg-bench-${Date.now()}` : null;
  const file = path.join(dir, `q-${n}-${workers}.yaml`);
  writeFileSync(file, config(ports.slice(0, n), api, prefix));
  const prof = (who: string) => (profDir ? [`--cpu-prof`, `--cpu-prof-dir=${path.join(profDir, `${n}-${workers ? `${workers}w` : 'embedded'}-${who}`)}`] : []);
  const procs: ChildProcess[] = [];
  const limits: CpuLimit[] = [];
  for (let w = 0; w < workers; w++) {
    const p = spawn(process.execPath, [...(w === 0 ? prof('worker') : []), cli, 'worker', '-c', file, '--concurrency', '5000', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
    procs.push(p);
    if (cpuShare > 0) limits.push(limitCpu(p.pid!, `rsguard-bench-worker-${w}`, cpuShare));
  }
  const sched = spawn(process.execPath, [...prof('scheduler'), cli, 'run', '-c', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  procs.push(sched);
  const metrics = async () => (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
  const throttled = () => limits.map((l) => l.throttling());
  try {
    await waitForMetrics(metrics, () => sched.exitCode !== null);
    await sleep(warmup * 1000);
    const m0 = await metrics();
    const c0 = procs.map((p) => cpuSeconds(p.pid!));
    const main0 = threadCpuSeconds(sched.pid!, sched.pid!);
    const r0 = cpuSeconds(redisPid);
    const ng0 = farmCpu();
    const t0s = throttled();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const m1 = await metrics();
    const c1 = procs.map((p) => cpuSeconds(p.pid!));
    const main1 = threadCpuSeconds(sched.pid!, sched.pid!);
    const r1 = cpuSeconds(redisPid);
    const ng1 = farmCpu();
    const t1s = throttled();
    const elapsed = (performance.now() - t0) / 1000;
    const done = sumMetric(m1, 'rsguard_probe_results_total') - sumMetric(m0, 'rsguard_probe_results_total');
    const lag = diffBuckets(histogram(m0, 'rsguard_schedule_lag_seconds'), histogram(m1, 'rsguard_schedule_lag_seconds'));
    const cpu = c1.map((c, i) => c - c0[i]!);
    const sched1 = cpu[cpu.length - 1]!;
    const rsguardCpu = cpu.reduce((s, c) => s + c, 0);
    const workerCpu = workers ? cpu.slice(0, workers).reduce((s, c) => s + c, 0) / elapsed / workers : 0;
    const bite = (a: Throttling[], b: Throttling[]) => (a.length ? (100 * b.reduce((s, t, i) => s + (t.throttled - a[i]!.throttled) / Math.max(1, t.periods - a[i]!.periods), 0)) / b.length : NaN);
    return {
      n,
      workers,
      due: n,
      done: done / elapsed,
      pct: (100 * done) / (n * elapsed),
      lagP99: quantile(0.99, lag) * 1000,
      schedCores: sched1 / elapsed,
      schedMainPct: (100 * (main1 - main0)) / elapsed,
      schedPer1000: (sched1 / done) * 1000,
      workerCores: workerCpu,
      throttledPct: bite(t0s, t1s),
      redisCores: (r1 - r0) / elapsed,
      nginxCores: (ng1 - ng0) / elapsed,
      totalPer1000: ((rsguardCpu + r1 - r0) / done) * 1000,
      redisPer1000: ((r1 - r0) / done) * 1000,
    };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)));
    for (const l of limits) l.release();
    if (prefix) execFileSync('sh', ['-c', 'redis-cli --scan --pattern "$1*" | xargs -r redis-cli del > /dev/null', 'sh', prefix]);
  }
}

if (profDir) mkdirSync(profDir, { recursive: true });
const farm = await startNginxFarm(12000, Math.max(...sizes));
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-qbench-'));
const rows: Row[] = [];
try {
  for (const n of sizes) for (const w of [0, ...workerCounts]) rows.push(await row(n, w, farm.ports, dir, () => farm.cpuSeconds()));
} finally {
  await farm.stop();
  rmSync(dir, { recursive: true, force: true });
}
const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const share = cpuShare > 0 ? `, each worker limited to ${cpuShare} of a core (cgroup quota)` : '';
console.log(`\nrsguard queue bench: http checks, interval 1s, ${seconds}s per row after ${warmup}s warm-up${share}, ${new Date().toISOString()}`);
console.log('| N | mode | due/s | done/s | done % | lag p99 ms | scheduler cores (main thread %) | scheduler CPU s/1000 | cores per worker | quota hit % | Redis cores | nginx cores | rsguard+Redis CPU s/1000 | queue overhead µs/check |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const embedded = rows.find((e) => e.n === r.n && e.workers === 0);
  // What distribution costs per check: every rsguard process and Redis, less what embedded mode spends per check at this N.
  const overhead = r.workers && embedded ? (r.totalPer1000 - embedded.totalPer1000) * 1000 : NaN;
  const mode = r.workers ? `${r.workers} worker${r.workers > 1 ? 's' : ''}` : 'embedded';
  const perWorker = r.workers ? `${f(r.workerCores, 2)}${cpuShare > 0 ? ` of ${cpuShare}` : ''}` : '-';
  console.log(`| ${r.n} | ${mode} | ${r.due} | ${f(r.done, 0)} | ${f(r.pct, 2)} | ${f(r.lagP99, 1)} | ${f(r.schedCores, 2)} (${f(r.schedMainPct, 0)}) | ${f(r.schedPer1000, 3)} | ${perWorker} | ${f(r.throttledPct, 0)} | ${f(r.redisCores, 2)} | ${f(r.nginxCores, 2)} | ${f(r.totalPer1000, 3)} | ${f(overhead, 0)} |`);
}
// What each added worker brings, against the row with one worker fewer (the claim: at least +70 % while saturated).
for (const r of rows) {
  const before = rows.find((b) => b.n === r.n && b.workers === r.workers - 1 && b.workers > 0);
  if (before) console.log(`N=${r.n}: worker ${r.workers} adds ${(100 * (r.done / before.done - 1)).toFixed(0)} % checks/s (${before.done.toFixed(0)} -> ${r.done.toFixed(0)})`);
}
// Short of what is due: what the box had, and what the workers' rate per core says the due rate would take.
for (const r of rows.filter((x) => x.workers && x.pct < 99)) {
  const perWorkerCore = r.done / (r.workerCores * r.workers);
  console.log(
    `N=${r.n}, ${r.workers} workers: ${f(r.pct, 1)} % of due. Workers did ${f(perWorkerCore, 0)} checks/s per core used (${f(r.workerCores * r.workers, 2)} cores); ` +
      `${r.due}/s would take ${f(r.due / perWorkerCore, 1)} worker cores, plus the scheduler's ${f((r.schedCores * r.due) / r.done, 2)}, Redis's ${f((r.redisCores * r.due) / r.done, 2)} and nginx's ${f((r.nginxCores * r.due) / r.done, 2)}; ` +
      `this box has ${readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length} cores in all`,
  );
}
if (profDir) {
  const files = readdirSync(profDir, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.cpuprofile')).map((p) => path.join(profDir, p));
  console.log(`\nCPU profiles (${profDir}):`);
  console.log(execFileSync(process.execPath, [path.join(root, 'dist/bench/profile-summary.js'), ...files, '--top', '12'], { encoding: 'utf8' }));
}
