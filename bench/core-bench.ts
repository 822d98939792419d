// npm run bench [-- --seconds 60 --sizes 1000,5000 --kinds http,tcp --rss 10000 --vs haproxy,keepalived --repeat 2]
//   any config beside the bench's YAML: --config FILE (rsguard YAML, ldirectord.cf, keepalived.conf, haproxy.cfg;
//   its real servers moved onto the farm, bench/config-input.ts): one case, its kind and N, instead of --sizes/--kinds/--rss
//   profiling rsguard's runs: --cpu-prof DIR (bench/profile-summary.ts), --heap-snapshot DIR (bench/heap-summary.ts),
//   --alloc-prof DIR (what each line allocates in the window; bench/alloc-summary.ts),
//   rsguard's node flags: --node-flags "--max-semi-space-size=4" (default: src/process/heap-flags.ts, as rsguard starts)
//   distributed mode, the scale-out figure: --distributed [--sizes 20000 --workers 4 --cpu-share 0.4 --seconds 15 --cpu-prof DIR]
//   (bench/queue-bench.ts: embedded mode beside workers each held to a cgroup CPU quota)
// The core bench: rsguard (embedded mode, a child process) checks N loopback
// targets served by one nginx, every 1 s. With --vs haproxy (or keepalived,
// or both: --vs haproxy,keepalived), each checks the same farm with the same
// settings in the same run, alternating with rsguard, and the table gives each
// figure beside the peer's and their ratio: absolute figures move from machine
// to machine, ratios much less. keepalived's checker runs under an LD_PRELOAD
// shim that answers its IPVS calls (bench/keepalived-ipvs-shim.c), since this
// kernel has no IPVS.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNginxFarm, type Farm } from './nginx-farm.js';
import { familyCpuSeconds, threadCpuSeconds, treeCpuSplit, treeRssMb } from './proc-stats.js';
import { diffBuckets, histogram, quantile, sumMetric } from './prom-text.js';
import type { CheckerPeer, PeerSettings } from './peer.js';
import { startRsguard, type OwnConfig } from './rsguard-peer.js';
import { benchConfig } from './config-input.js';
import { startHaproxy } from './haproxy-peer.js';
import { startKeepalived } from './keepalived-peer.js';
import { activeOpens, reexecInPrivateNetns } from './private-netns.js';
import { HEAP_FLAGS } from '../src/process/heap-flags.js';

// The scale-out figure (issue 25): distributed mode, run by queue-bench.ts outside the private network namespace (it needs
// the host's Redis), with the case the issue names unless told otherwise: 20,000 servers, 4 workers at 0.4 of a core each.
if (process.argv.includes('--distributed')) {
  const rest = process.argv.slice(2).filter((a) => a !== '--distributed');
  const queueBench = new URL('./queue-bench.js', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [queueBench, ...rest, '--sizes', '20000', '--workers', '4', '--cpu-share', '0.4'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (reexecInPrivateNetns()) process.exit();

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const seconds = Number(arg('seconds', '60'));
const warmup = Number(arg('warmup', '8'));
const sizes = arg('sizes', '1000,5000').split(',').map(Number);
const kinds = arg('kinds', 'http,tcp').split(',') as Array<'http' | 'tcp'>;
const configFile = arg('config', '');
const own = configFile ? await benchConfig(path.resolve(configFile)) : undefined;
const ownConfig: OwnConfig | undefined = own ? { name: `rsguard ${own.label}`, yaml: own.yaml } : undefined;
const rssSize = own ? 0 : Number(arg('rss', '10000'));
const peers = arg('vs', '').split(',').filter(Boolean);
const repeat = Number(arg('repeat', peers.length ? '2' : '1'));
const cpuProfDir = arg('cpu-prof', '');
const heapDir = arg('heap-snapshot', '');
// V8/node flags for rsguard's process, to weigh memory against CPU. By default the ones rsguard starts with
// (the rsguard command, the systemd unit); V8's own: --node-flags "--heap-growing-percent=0" (0: V8's factor,
// and rsguard leaves a value given alone).
const nodeFlags = arg('node-flags', HEAP_FLAGS.join(' ')).split(' ').filter(Boolean);
const allocDir = arg('alloc-prof', '');
if (allocDir && heapDir) throw new Error('--alloc-prof and --heap-snapshot both signal rsguard with SIGUSR2: use one at a time');
if (allocDir) {
  mkdirSync(allocDir, { recursive: true });
  process.env.RSGUARD_ALLOC_PROF_DIR = path.resolve(allocDir); // rsguard inherits it; alloc-sampler.ts reads it
}
const startPeer: Record<string, (s: PeerSettings) => Promise<CheckerPeer>> = { haproxy: startHaproxy, keepalived: startKeepalived };
for (const p of peers) if (!startPeer[p]) throw new Error(`--vs ${p}: the peers are ${Object.keys(startPeer).join(', ')} (comma-separated)`);

interface Row {
  system: string;
  kind: string;
  n: number;
  due: number;
  done: number;
  pct: number;
  failures: number;
  checkErrors: number;
  lagP50: number;
  lagP99: number;
  cpuPer1000: number;
  userPer1000: number;
  sysPer1000: number;
  nginxCpuPer1000: number;
  /** Share of one core the main thread used: near 100 % the event loop itself is the limit. */
  mainThreadPct: number;
  rss: number;
  /** V8's heap in use and reserved, and memory outside it (Buffers, sockets' native parts); rsguard only. */
  /** Time in V8's collector per 1000 checks: all kinds, and the old generation's (mark-sweep, incremental) alone. */
  gcPer1000: number;
  gcOldPer1000: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Checks done, counted outside the checkers and the same way for both: HTTP
 * requests nginx answered; for TCP, connections opened in the bench's network
 * namespace, because HAProxy resets its connect check before nginx (or even
 * the kernel's handshake) completes it.
 */
async function farmCount(farm: Farm, kind: string): Promise<number> {
  if (kind === 'tcp') return activeOpens();
  return (await farm.counts()).requests;
}

function gcSeconds(metrics: string, oldOnly = false): number {
  return sumMetric(metrics, 'rsguard_nodejs_gc_duration_seconds_sum', (labels) => !oldOnly || !labels.includes('kind="minor"'));
}

async function measure(peer: CheckerPeer, s: PeerSettings, farm: Farm, window: number): Promise<Row> {
  await sleep(warmup * 1000);
  // One scrape: each holds rsguard's event loop (tens of ms at 5,000 servers), and the window counts its lag.
  const lag0 = await peer.lag();
  const f0 = await peer.failures(lag0);
  const e0 = (await peer.checkErrors?.(lag0)) ?? NaN;
  const n0 = await farmCount(farm, s.kind);
  const mainPid = peer.mainPid ?? peer.pid;
  const cpu0 = treeCpuSplit(peer.pid);
  const main0 = threadCpuSeconds(mainPid, mainPid);
  const ng0 = familyCpuSeconds(farm.pid);
  const sampling = allocDir !== '' && isRsguard(peer.name);
  if (sampling) process.kill(peer.pid, 'SIGUSR2'); // start sampling allocations (bench/alloc-sampler.ts)
  const t0 = performance.now();
  await sleep(window * 1000);
  if (!peer.alive()) throw new Error(`${peer.name} exited during the run`);
  if (sampling) process.kill(peer.pid, 'SIGUSR2'); // stop: it writes alloc-PID.json
  const cpu1 = treeCpuSplit(peer.pid);
  const main1 = threadCpuSeconds(mainPid, mainPid);
  const ng1 = familyCpuSeconds(farm.pid);
  const n1 = await farmCount(farm, s.kind);
  const elapsed = (performance.now() - t0) / 1000;
  const tcpOutsideNetns = s.kind === 'tcp' && process.env.RSGUARD_BENCH_NETNS !== '1';
  if (tcpOutsideNetns) console.error('warning: TCP checks counted on the host network namespace (not root, or --host-netns): other traffic counts too');
  const lag1 = await peer.lag();
  const f1 = await peer.failures(lag1);
  const e1 = (await peer.checkErrors?.(lag1)) ?? NaN;
  // nginx counts the second status read itself; the kernel's counter is read without a connection.
  const done = n1 - n0 - (s.kind === 'http' ? 1 : 0);
  const lag = lag0 && lag1 ? diffBuckets(histogram(lag0, 'rsguard_schedule_lag_seconds'), histogram(lag1, 'rsguard_schedule_lag_seconds')) : undefined;
  const due = (s.ports.length * elapsed * 1000) / s.intervalMs;
  return {
    system: peer.name,
    kind: s.kind,
    n: s.ports.length,
    due: Math.round(due / elapsed),
    done: Math.round(done / elapsed),
    pct: (100 * done) / due,
    failures: f1 - f0,
    checkErrors: e1 - e0,
    lagP50: lag ? quantile(0.5, lag) * 1000 : NaN,
    lagP99: lag ? quantile(0.99, lag) * 1000 : NaN,
    cpuPer1000: ((cpu1.user + cpu1.system - cpu0.user - cpu0.system) / done) * 1000,
    userPer1000: ((cpu1.user - cpu0.user) / done) * 1000,
    sysPer1000: ((cpu1.system - cpu0.system) / done) * 1000,
    nginxCpuPer1000: ((ng1 - ng0) / done) * 1000,
    mainThreadPct: (100 * (main1 - main0)) / elapsed,
    rss: treeRssMb(peer.pid),
    gcPer1000: lag0 && lag1 ? ((gcSeconds(lag1) - gcSeconds(lag0)) / done) * 1000 : NaN,
    gcOldPer1000: lag0 && lag1 ? ((gcSeconds(lag1, true) - gcSeconds(lag0, true)) / done) * 1000 : NaN,
    heapUsed: lag1 ? sumMetric(lag1, 'rsguard_nodejs_heap_size_used_bytes') / 2 ** 20 : NaN,
    heapTotal: lag1 ? sumMetric(lag1, 'rsguard_nodejs_heap_size_total_bytes') / 2 ** 20 : NaN,
    external: lag1 ? sumMetric(lag1, 'rsguard_nodejs_external_memory_bytes') / 2 ** 20 : NaN,
  };
}

/** Asks the process for a heap snapshot at the end of its window and waits until it is written. */
async function heapSnapshot(pid: number, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  const before = new Set(readdirSync(into));
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await sleep(500);
    const fresh = readdirSync(into).filter((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    // Written in one go by the process; done when its size stops growing.
    if (fresh.length && statSync(path.join(into, fresh[0]!)).size > 0) {
      const size = statSync(path.join(into, fresh[0]!)).size;
      await sleep(1000);
      if (statSync(path.join(into, fresh[0]!)).size === size) return void console.error(`heap snapshot: ${path.join(into, fresh[0]!)}`);
    }
  }
  throw new Error(`no heap snapshot from ${pid} in ${into}`);
}

/** rsguard on the bench's YAML, or on --config's file: either is profiled alike. */
function isRsguard(system: string): boolean {
  return system === 'rsguard' || system === ownConfig?.name;
}

async function run(system: string, s: PeerSettings, farm: Farm, dir: string, window: number): Promise<Row> {
  const rsguard = isRsguard(system);
  const flags = cpuProfDir && rsguard ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProfDir)}`] : [];
  if (rsguard) flags.push(...nodeFlags);
  if (allocDir && rsguard) flags.push('--import', new URL('./alloc-sampler.js', import.meta.url).href);
  if (heapDir && rsguard) flags.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${path.resolve(heapDir)}`);
  const peer = startPeer[system] ? await startPeer[system](s) : await startRsguard(s, dir, flags, system === ownConfig?.name ? ownConfig : undefined);
  try {
    const row = await measure(peer, s, farm, window);
    if (heapDir && rsguard) await heapSnapshot(peer.pid, path.resolve(heapDir));
    if (allocDir && rsguard) {
      const file = path.join(path.resolve(allocDir), `alloc-${peer.pid}.json`);
      for (let i = 0; i < 50 && !existsSync(file); i++) await sleep(200);
      console.error(`allocation profile: ${file} (${Math.round(row.done * window)} checks in the window)`);
    }
    return row;
  } finally {
    await peer.stop();
  }
}

const rsguards = ownConfig ? ['rsguard', ownConfig.name] : ['rsguard'];
const systems = [...rsguards, ...peers];
const maxN = own ? own.n : Math.max(...sizes, rssSize);
const farm = await startNginxFarm(12000, maxN);
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-bench-'));
const rows: Row[] = [];
const cases: Array<{ kind: 'http' | 'tcp'; n: number; window: number }> = [];
if (own) cases.push({ kind: own.kind, n: own.n, window: seconds });
else for (const n of sizes) for (const kind of kinds) cases.push({ kind, n, window: seconds });
if (rssSize > 0) cases.push({ kind: 'http', n: rssSize, window: Math.min(seconds, 20) });
try {
  for (const c of cases) {
    const s: PeerSettings = { kind: c.kind, ports: farm.ports.slice(0, c.n), intervalMs: 1000 };
    // Alternate which goes first, so a drift of the machine over the run does not favour one of them.
    for (let r = 0; r < repeat; r++) for (const system of r % 2 ? [...systems].reverse() : systems) rows.push(await run(system, s, farm, dir, c.window));
  }
} finally {
  await farm.stop();
  rmSync(dir, { recursive: true, force: true });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '-');
function printTable(header: string[], table: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table) console.log(line(row));
}

const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
const rssNote = rssSize > 0 ? `the ${rssSize} row ${Math.min(seconds, 20)}s; ` : '';
// A table taken with V8 flags must say so: its memory and CPU are not the defaults'.
const flagsNote =
  (nodeFlags.length ? `, rsguard's node flags: ${nodeFlags.join(' ')}` : '') + (allocDir ? ', sampling allocations (rsguard CPU figures include the sampler)' : '');
console.log(`\nrsguard core bench: ${seconds}s per run (${rssNote}warm-up ${warmup}s), interval 1s, one nginx farm, ${cpuModel}${flagsNote}, ${new Date().toISOString()}`);
if (own) {
  console.log(`\n${ownConfig!.name}: ${own.n} real servers moved onto the farm, run as rsguard loads it (the imported YAML), global settings as the bench's YAML${own.removed.length ? `; taken out: ${own.removed.join(', ')}` : ''}`);
}
console.log('\nEach run (checks counted by nginx; lag from rsguard_schedule_lag_seconds):');
printTable(
  ['system', 'kind', 'N', 'due/s', 'done/s', 'done %', 'failures', 'check errors', 'lag p50 ms', 'lag p99 ms', 'CPU s/1000', 'user', 'sys', 'nginx CPU s/1000', 'main thread %', 'GC s/1000', 'old-gen GC', 'RSS MB', 'heap used/total MB', 'external MB'],
  rows.map((r) => [r.system, r.kind, String(r.n), String(r.due), String(r.done), f(r.pct, 2), String(r.failures), f(r.checkErrors, 0), f(r.lagP50, 2), f(r.lagP99, 2), f(r.cpuPer1000, 3), f(r.userPer1000, 3), f(r.sysPer1000, 3), f(r.nginxCpuPer1000, 3), f(r.mainThreadPct, 0), f(r.gcPer1000, 4), f(r.gcOldPer1000, 4), f(r.rss, 0), Number.isFinite(r.heapUsed) ? `${f(r.heapUsed, 0)}/${f(r.heapTotal, 0)}` : '-', f(r.external, 0)]),
);
if (peers.length) {
  console.log(`\nSide by side (mean of ${repeat} alternating runs each; CPU and RSS of every process of a peer, keepalived's parent and checker child summed):`);
  const side: string[][] = [];
  for (const c of cases)
    for (const system of rsguards)
      for (const vs of peers) {
        const of = (system: string) => rows.filter((r) => r.system === system && r.kind === c.kind && r.n === c.n);
        const a = of(system);
        const b = of(vs);
        const cpuA = mean(a.map((r) => r.cpuPer1000));
        const cpuB = mean(b.map((r) => r.cpuPer1000));
        const rssA = mean(a.map((r) => r.rss));
        const rssB = mean(b.map((r) => r.rss));
        const lagP99 = mean(a.map((r) => r.lagP99));
        const main = mean(a.map((r) => r.mainThreadPct));
        side.push([system === 'rsguard' ? 'bench YAML' : own!.label, c.kind, String(c.n), vs, f(mean(a.map((r) => r.pct)), 2), f(mean(b.map((r) => r.pct)), 2), f(lagP99, 0), f(main, 0), f(cpuA, 3), f(cpuB, 3), `${f(cpuA / cpuB, 2)}x`, f(rssA, 0), f(rssB, 0), `${f(rssA / rssB, 1)}x`]);
      }
  printTable(['rsguard config', 'kind', 'N', 'peer', 'rsguard done %', 'peer done %', 'rsguard lag p99 ms', 'rsguard main thread %', 'rsguard CPU s/1000', 'peer CPU s/1000', 'CPU ratio', 'rsguard RSS MB', 'peer RSS MB', 'RSS ratio'], side);
}
