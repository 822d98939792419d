// npm run bench [-- --seconds 60 --sizes 1000,5000 --kinds http,tcp --rss 10000 --vs haproxy,keepalived --repeat 2]
//   any config beside the bench's YAML: --config FILE[,FILE...] (rsguard YAML, ldirectord.cf, keepalived.conf,
//   haproxy.cfg; its real servers moved onto the farm, bench/config-input.ts): each in the case of its kind and N, beside
//   the bench's YAML; without --sizes, only the configs' cases run (and no --rss row)
//   an A/B in the same run: --variant VAR=VALUE[,VAR=VALUE...] adds rsguard on the bench's YAML with that environment
//   to every case (e.g. RSGUARD_CHECK_QUICKACK=on: libuv's sockets, the kernel's quick ACK)
//   the migration path beside the native one: --imports N writes an ldirectord.cf and a keepalived.conf of N real
//   servers for each of --kinds (bench/farm-config.ts) and runs them as --config does, in the cases of the YAML's N
//   profiling rsguard's runs: --cpu-prof DIR (bench/profile-summary.ts), --heap-snapshot DIR (bench/heap-summary.ts),
//   --alloc-prof DIR (what each line allocates in the window; bench/alloc-summary.ts),
//   a busy director: --busy-core N runs a CPU-bound loop pinned to core N (taskset) beside every run, rsguard's and peers'
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
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNginxFarm, type Farm } from './nginx-farm.js';
import { threadCpuSeconds, treeCpuSplit, treeRssMb } from './proc-stats.js';
import { diffBuckets, histogram, quantile, seriesOf, sumMetric } from './prom-text.js';
import type { CheckerPeer, PeerSettings } from './peer.js';
import { startRsguard, type OwnConfig } from './rsguard-peer.js';
import { benchConfig, type BenchConfig } from './config-input.js';
import { farmConfig, farmConfigName } from './farm-config.js';
import { printRuns, printSideBySide, printTargets, type BenchCase, type Row } from './bench-report.js';
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
const configFiles = arg('config', '').split(',').filter(Boolean);
const importsN = Number(arg('imports', '0'));
// --config alone runs only its own cases, as it did with one file; --sizes brings the YAML's cases back.
const configsOnly = configFiles.length > 0 && !process.argv.includes('--sizes') && importsN === 0;
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-bench-'));
const owns: BenchConfig[] = [];
for (const file of configFiles) owns.push(await benchConfig(path.resolve(file)));
if (importsN > 0)
  for (const kind of kinds)
    for (const format of ['ldirectord', 'keepalived'] as const) {
      const file = path.join(dir, farmConfigName(format, importsN, kind));
      writeFileSync(file, farmConfig(format, importsN, kind));
      owns.push(await benchConfig(file));
    }
const ownName = (o: BenchConfig) => `rsguard ${o.label}`;
const ownConfigs = new Map<string, OwnConfig>(owns.map((o) => [ownName(o), { name: ownName(o), yaml: o.yaml }]));
const variants = new Map<string, Record<string, string>>(
  arg('variant', '')
    .split(',')
    .filter(Boolean)
    .map((v) => {
      const at = v.indexOf('=');
      if (at < 1) throw new Error(`--variant ${v}: expected VAR=VALUE`);
      return [`rsguard ${v}`, { [v.slice(0, at)]: v.slice(at + 1) }];
    }),
);
const rssSize = configsOnly ? 0 : Number(arg('rss', '10000'));
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
  const ng0 = farm.cpuSeconds();
  const sampling = allocDir !== '' && isRsguard(peer.name);
  if (sampling) process.kill(peer.pid, 'SIGUSR2'); // start sampling allocations (bench/alloc-sampler.ts)
  const t0 = performance.now();
  await sleep(window * 1000);
  if (!peer.alive()) throw new Error(`${peer.name} exited during the run`);
  if (sampling) process.kill(peer.pid, 'SIGUSR2'); // stop: it writes alloc-PID.json
  const cpu1 = treeCpuSplit(peer.pid);
  const main1 = threadCpuSeconds(mainPid, mainPid);
  const ng1 = farm.cpuSeconds();
  const n1 = await farmCount(farm, s.kind);
  const elapsed = (performance.now() - t0) / 1000;
  const tcpOutsideNetns = s.kind === 'tcp' && process.env.RSGUARD_BENCH_NETNS !== '1';
  if (tcpOutsideNetns) console.error('warning: TCP checks counted on the host network namespace (not root, or --host-netns): other traffic counts too');
  const lag1 = await peer.lag();
  const f1 = await peer.failures(lag1);
  const e1 = (await peer.checkErrors?.(lag1)) ?? NaN;
  // A failed check in the bench is news (the farm answers every one): say what rsguard saw, so a row's failures have a why.
  if (lag0 && lag1 && f1 > f0) {
    const failed = (t: string) => seriesOf(t, 'rsguard_probe_results_total', (l) => !l.includes('outcome="success"'));
    const before = failed(lag0);
    for (const [labels, n] of failed(lag1)) if (n > (before.get(labels) ?? 0)) console.error(`${peer.name} ${s.kind} ${s.ports.length}: ${n - (before.get(labels) ?? 0)} x ${labels}`);
  }
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
  return system === 'rsguard' || ownConfigs.has(system) || variants.has(system);
}

async function run(system: string, s: PeerSettings, farm: Farm, dir: string, window: number): Promise<Row> {
  const rsguard = isRsguard(system);
  const flags = cpuProfDir && rsguard ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProfDir)}`] : [];
  if (rsguard) flags.push(...nodeFlags);
  if (allocDir && rsguard) flags.push('--import', new URL('./alloc-sampler.js', import.meta.url).href);
  if (heapDir && rsguard) flags.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${path.resolve(heapDir)}`);
  const peer = startPeer[system] ? await startPeer[system](s) : await startRsguard(s, dir, flags, ownConfigs.get(system), variants.get(system));
  peer.name = system; // a variant runs the bench's YAML: its rows go by the variant's name
  if (cpuProfDir && rsguard) console.error(`cpu profile: ${system} ${s.kind} ${s.ports.length}: pid ${peer.pid} (CPU.*.${peer.pid}.*.cpuprofile in ${cpuProfDir})`);
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

// One case per kind and N; a config joins the YAML's case of its kind and N (the same farm, the same peers' runs).
const cases: BenchCase[] = [];
const caseOf = (kind: 'http' | 'tcp', n: number, window: number): BenchCase => {
  let c = cases.find((x) => x.kind === kind && x.n === n);
  if (!c) cases.push((c = { kind, n, window, rsguards: ['rsguard', ...variants.keys()] }));
  return c;
};
if (!configsOnly) for (const n of sizes) for (const kind of kinds) caseOf(kind, n, seconds);
for (const o of owns) caseOf(o.kind, o.n, seconds).rsguards.push(ownName(o));
if (rssSize > 0) caseOf('http', rssSize, Math.min(seconds, 20));
const maxN = Math.max(...cases.map((c) => c.n));
const farm = await startNginxFarm(12000, maxN);
const rows: Row[] = [];
const busyCore = arg('busy-core', '');
// Bounded by itself too (timeout), should the bench die before its finally.
const busy = busyCore === '' ? undefined : spawn('timeout', ['7200', 'taskset', '-c', busyCore, 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
try {
  for (const c of cases) {
    const s: PeerSettings = { kind: c.kind, ports: farm.ports.slice(0, c.n), intervalMs: 1000 };
    // Alternate which goes first, so a drift of the machine over the run does not favour one of them.
    const systems = [...c.rsguards, ...peers];
    for (let r = 0; r < repeat; r++) for (const system of r % 2 ? [...systems].reverse() : systems) rows.push(await run(system, s, farm, dir, c.window));
  }
} finally {
  busy?.kill();
  await farm.stop();
  rmSync(dir, { recursive: true, force: true });
}

const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
const rssNote = rssSize > 0 ? `the ${rssSize} row ${Math.min(seconds, 20)}s; ` : '';
// A table taken with V8 flags must say so: its memory and CPU are not the defaults'.
const flagsNote =
  (nodeFlags.length ? `, rsguard's node flags: ${nodeFlags.join(' ')}` : '') + (allocDir ? ', sampling allocations (rsguard CPU figures include the sampler)' : '');
const busyNote = busy ? `, a busy loop pinned to core ${busyCore} beside every run` : '';
console.log(`\nrsguard core bench: ${seconds}s per run (${rssNote}warm-up ${warmup}s), interval 1s, one nginx farm${busyNote}, ${cpuModel}${flagsNote}, ${new Date().toISOString()}`);
for (const o of owns) {
  console.log(`\n${ownName(o)}: ${o.n} real servers moved onto the farm, run as rsguard loads it (the imported YAML), global settings as the bench's YAML${o.removed.length ? `; taken out: ${o.removed.join(', ')}` : ''}`);
}
console.log('\nEach run (checks counted by nginx; lag from rsguard_schedule_lag_seconds):');
printRuns(rows);
if (peers.length) {
  console.log(`\nSide by side (mean of ${repeat} alternating runs each; CPU and RSS of every process of a peer, keepalived's parent and checker child summed):`);
  printSideBySide(rows, cases, peers);
}
console.log(`\nIssue 24's figures (rsguard's own default settings; CPU ratio against HAProxy in the same run${busy ? '; a busy core: the lag bound is for a quiet box' : ''}):`);
printTargets(rows, cases, peers, busy !== undefined);
