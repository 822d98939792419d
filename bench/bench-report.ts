/**
 * The core bench's tables (bench/core-bench.ts): every run, the side-by-side
 * table (each rsguard config beside each peer of its case) and the issue's
 * figures, each marked met or missed, by how much.
 */
export interface Row {
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
  /** Time in V8's collector per 1000 checks: all kinds, and the old generation's (mark-sweep, incremental) alone. */
  gcPer1000: number;
  gcOldPer1000: number;
  /** V8's heap in use and reserved, and memory outside it (Buffers, sockets' native parts); rsguard only. */
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** One kind and N, run by the systems named (rsguard on the bench's YAML first, then configs, then peers). */
export interface BenchCase {
  kind: 'http' | 'tcp';
  n: number;
  window: number;
  /** rsguard runs (the bench's YAML is `rsguard`, a config `rsguard LABEL`). */
  rsguards: string[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '-');

export function printTable(header: string[], table: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table) console.log(line(row));
}

export function printRuns(rows: Row[]): void {
  printTable(
    ['system', 'kind', 'N', 'due/s', 'done/s', 'done %', 'failures', 'check errors', 'lag p50 ms', 'lag p99 ms', 'CPU s/1000', 'user', 'sys', 'nginx CPU s/1000', 'main thread %', 'GC s/1000', 'old-gen GC', 'RSS MB', 'heap used/total MB', 'external MB'],
    rows.map((r) => [r.system, r.kind, String(r.n), String(r.due), String(r.done), f(r.pct, 2), String(r.failures), f(r.checkErrors, 0), f(r.lagP50, 2), f(r.lagP99, 2), f(r.cpuPer1000, 3), f(r.userPer1000, 3), f(r.sysPer1000, 3), f(r.nginxCpuPer1000, 3), f(r.mainThreadPct, 0), f(r.gcPer1000, 4), f(r.gcOldPer1000, 4), f(r.rss, 0), Number.isFinite(r.heapUsed) ? `${f(r.heapUsed, 0)}/${f(r.heapTotal, 0)}` : '-', f(r.external, 0)]),
  );
}

/** The mean figures of one system in one case, over its repeats. */
function of(rows: Row[], system: string, c: BenchCase) {
  const a = rows.filter((r) => r.system === system && r.kind === c.kind && r.n === c.n);
  if (!a.length) return undefined;
  return { pct: mean(a.map((r) => r.pct)), lagP99: mean(a.map((r) => r.lagP99)), main: mean(a.map((r) => r.mainThreadPct)), cpu: mean(a.map((r) => r.cpuPer1000)), rss: mean(a.map((r) => r.rss)), failures: mean(a.map((r) => r.failures)) };
}

/** `rsguard LABEL` -> LABEL; the bench's own YAML run is `rsguard`. */
const configName = (system: string) => (system === 'rsguard' ? 'bench YAML' : system.includes('=') ? `bench YAML, ${system.slice('rsguard '.length)}` : system.slice('rsguard '.length));

/**
 * One row per case, rsguard config and peer. "CPU vs YAML" is a config's CPU per check over the bench YAML's in the
 * same case: how much the migration path costs beside the native one.
 */
export function printSideBySide(rows: Row[], cases: BenchCase[], peers: string[]): void {
  const side: string[][] = [];
  for (const c of cases)
    for (const system of c.rsguards)
      for (const vs of peers) {
        const a = of(rows, system, c);
        const b = of(rows, vs, c);
        const yaml = of(rows, 'rsguard', c);
        if (!a || !b) continue;
        const vsYaml = system !== 'rsguard' && yaml ? `${f(a.cpu / yaml.cpu, 2)}x` : '-';
        side.push([configName(system), c.kind, String(c.n), vs, f(a.pct, 2), f(b.pct, 2), f(a.lagP99, 0), f(a.main, 0), f(a.cpu, 3), f(b.cpu, 3), `${f(a.cpu / b.cpu, 2)}x`, vsYaml, f(a.rss, 0), f(b.rss, 0)]);
      }
  printTable(['rsguard config', 'kind', 'N', 'peer', 'rsguard done %', 'peer done %', 'rsguard lag p99 ms', 'rsguard main thread %', 'rsguard CPU s/1000', 'peer CPU s/1000', 'CPU ratio', 'CPU vs YAML', 'rsguard RSS MB', 'peer RSS MB'], side);
}

// Issue 24's figures.
const CADENCE_N = 10000;
const CADENCE_DONE = 99;
const CADENCE_LAG_MS = 50;
const RSS_N = 10000;
const RSS_MB = 150;
const CPU_N = 5000;
const CPU_RATIO = 1.5;

/**
 * Each figure of issue 24 the cases measured, for every rsguard config that ran it: met, or missed and by how much.
 * A figure whose case did not run says so (e.g. no N = 10000 in --sizes).
 */
export function printTargets(rows: Row[], cases: BenchCase[], peers: string[], busyCore = false): void {
  const out: string[][] = [];
  const pctOver = (x: number, bound: number) => `${f((100 * (x - bound)) / bound, 0)} %`;
  for (const kind of ['http', 'tcp'] as const) {
    const at = (n: number) => cases.find((c) => c.kind === kind && c.n === n);
    const big = at(CADENCE_N);
    for (const system of big?.rsguards ?? []) {
      const a = of(rows, system, big!);
      if (!a) continue;
      const misses: string[] = [];
      if (a.pct < CADENCE_DONE) misses.push(`done ${f(a.pct, 1)} %, ${f(CADENCE_DONE - a.pct, 1)} points short`);
      if (!(a.lagP99 < CADENCE_LAG_MS)) misses.push(`lag p99 ${f(a.lagP99, 0)} ms, ${f(a.lagP99 / CADENCE_LAG_MS, 1)}x the bound`);
      out.push([`>= ${CADENCE_DONE} % done, lag p99 < ${CADENCE_LAG_MS} ms`, kind, String(CADENCE_N), configName(system), `${f(a.pct, 2)} %, ${f(a.lagP99, 0)} ms`, misses.length ? `**missed**: ${misses.join('; ')}` : 'met']);
    }
    if (!big) out.push([`>= ${CADENCE_DONE} % done, lag p99 < ${CADENCE_LAG_MS} ms`, kind, String(CADENCE_N), '-', '-', 'not measured (no such case)']);
    // On a busy director the goal is relative: keep at least the share of due checks HAProxy keeps beside the same load.
    const hBig = big && busyCore ? of(rows, 'haproxy', big) : undefined;
    if (big && busyCore && !hBig) out.push([`busy core: done % >= HAProxy's`, kind, String(CADENCE_N), '-', '-', 'not measured (no --vs haproxy)']);
    for (const system of hBig ? big!.rsguards : []) {
      const a = of(rows, system, big!);
      if (a) out.push([`busy core: done % >= HAProxy's`, kind, String(CADENCE_N), configName(system), `${f(a.pct, 2)} % (HAProxy ${f(hBig!.pct, 2)} %)`, a.pct >= hBig!.pct ? 'met' : `**missed** by ${f(hBig!.pct - a.pct, 2)} points`]);
    }
    const rssCase = at(RSS_N);
    if (!rssCase) out.push([`RSS <= ${RSS_MB} MB`, kind, String(RSS_N), '-', '-', 'not measured (no such case)']);
    for (const system of rssCase?.rsguards ?? []) {
      const a = of(rows, system, rssCase!);
      if (!a) continue;
      out.push([`RSS <= ${RSS_MB} MB`, kind, String(RSS_N), configName(system), `${f(a.rss, 0)} MB`, a.rss <= RSS_MB ? 'met' : `**missed** by ${f(a.rss - RSS_MB, 0)} MB (${pctOver(a.rss, RSS_MB)})`]);
    }
    const cpuCase = at(CPU_N);
    if (!peers.includes('haproxy') || !cpuCase) {
      out.push([`CPU per check <= ${CPU_RATIO}x HAProxy's`, kind, String(CPU_N), '-', '-', `not measured (${cpuCase ? 'no --vs haproxy' : 'no such case'})`]);
      continue;
    }
    const h = of(rows, 'haproxy', cpuCase);
    for (const system of cpuCase.rsguards) {
      const a = of(rows, system, cpuCase);
      if (!a || !h) continue;
      const ratio = a.cpu / h.cpu;
      out.push([`CPU per check <= ${CPU_RATIO}x HAProxy's`, kind, String(CPU_N), configName(system), `${f(ratio, 2)}x`, ratio <= CPU_RATIO ? 'met' : `**missed** by ${pctOver(ratio, CPU_RATIO)} (${f(ratio - CPU_RATIO, 2)}x over)`]);
    }
  }
  printTable(['figure (issue 24)', 'kind', 'N', 'rsguard config', 'measured', 'result'], out);
}
