import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled, DIFFERENTIAL, DIFFERENTIAL_TIMEOUT_MS, EXCLUSIVE, GUEST, LAST, LIGHT, LONG, suiteSources } from '../test/tiers.js';

/**
 * `npm test` after the build: every file of the suite and the differential
 * subset (test/tiers.ts), each in a `node --test` run of its own, two at a
 * time on the 2-core build box; a file named in EXCLUSIVE (the differential
 * subset among them) runs alone, with nothing beside it, one booting the QEMU
 * guest (GUEST) beside a LIGHT file only, and LAST (the fault table) after
 * every other. The exclusive files go first, one by one, then the rest two at
 * a time, the long ones first (LONG, the guests first of all) so that no long
 * file is left running alone at the end. Each file's TAP output is printed
 * whole when it ends, then a table of the slowest files and the wall time.
 *
 * `--slots N` runs N at a time (1: one file at a time, as `node --test
 * --test-concurrency=1` would); `--only REGEX` only the files whose path
 * matches (LAST too, if it matches); other arguments go to each `node --test`.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const extra = process.argv.slice(2);
/** Takes `--name VALUE` out of the arguments that go to `node --test`. */
function option(name: string): string | undefined {
  const at = extra.indexOf(name);
  return at < 0 ? undefined : extra.splice(at, 2)[1];
}
const slots = Number(option('--slots') ?? 2);
if (!Number.isInteger(slots) || slots < 1) throw new Error(`--slots wants a whole number above 0, got ${slots}`);
const only = new RegExp(option('--only') ?? '');

interface Done {
  source: string;
  file: string;
  seconds: number;
  /** CPU seconds of the file's processes that were waited for (exact with --slots 1; beside another file, what ended meanwhile). */
  cpu: number;
  code: number | null;
  counts: Record<string, number>;
}

const sources = [...suiteSources(root), DIFFERENTIAL].filter((f) => only.test(f));
const exclusive = sources.filter((f) => f in EXCLUSIVE);
const longFirst = (f: string) => (f in LONG ? Object.keys(LONG).indexOf(f) : Object.keys(LONG).length);
const shared = sources.filter((f) => !(f in EXCLUSIVE)).sort((a, b) => longFirst(a) - longFirst(b));

/** The fault tests append their rows to this file and LAST prints them: a row of an earlier run must not count. */
rmSync(path.join(root, 'dist/fault-rows.jsonl'), { force: true });

/** CPU seconds of this process's children that have been waited for (Linux /proc), or NaN. */
function childCpu(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

const runStarted = performance.now();

/** Set by SIGINT or SIGTERM: the files running are stopped, no other starts, and the run exits failed. */
let stopping = false;
const running = new Set<() => void>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    running.forEach((stop) => stop());
  });
}

function runFile(source: string): Promise<Done> {
  const file = compiled(source);
  const started = performance.now();
  const cpu0 = childCpu();
  // rsguard's instance locks (the IPVS table of the host's namespace) in a directory of the file's own, as on a
  // machine of its own: a daemon of the file beside it never holds them. The file's own daemons share it.
  const runDir = mkdtempSync(path.join(tmpdir(), 'rsguard-run-'));
  const env = { ...process.env, RSGUARD_RUN_DIR: runDir };
  const child = spawn(process.execPath, ['--test', '--test-reporter=tap', `--test-timeout=${source === DIFFERENTIAL ? DIFFERENTIAL_TIMEOUT_MS : 300_000}`, ...extra, file], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => child.kill('SIGTERM');
  running.add(stop);
  const out: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => out.push(d));
  return new Promise((resolve) => {
    child.once('close', (code) => {
      running.delete(stop);
      rmSync(runDir, { recursive: true, force: true });
      const seconds = (performance.now() - started) / 1000;
      const cpu = childCpu() - cpu0;
      const text = Buffer.concat(out).toString();
      const counts: Record<string, number> = {};
      for (const m of text.matchAll(/^# (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) counts[m[1]!] = Number(m[2]);
      const at = (started - runStarted) / 1000;
      process.stdout.write(`# file ${file} (${seconds.toFixed(1)} s from ${at.toFixed(0)} s, CPU ${cpu.toFixed(1)} s, exit ${code})\n${text}${text.endsWith('\n') ? '' : '\n'}`);
      resolve({ source, file, seconds, cpu, code, counts });
    });
  });
}

/** Whether `f` may start beside the files running: a guest only beside LIGHT files, and no other guest. */
function fits(f: string, running: Set<string>): boolean {
  const beside = [...running];
  if (f in GUEST) return beside.every((r) => r in LIGHT);
  return !beside.some((r) => r in GUEST) || f in LIGHT;
}

/**
 * Runs `files` at most `n` at a time, each as soon as a place is free, in
 * order: the first one waiting that fits beside those running.
 */
function pool(files: string[], n: number): Promise<Done[]> {
  const queue = [...files];
  const running = new Set<string>();
  const done: Done[] = [];
  return new Promise((resolve) => {
    const fill = () => {
      if (stopping) queue.length = 0;
      while (running.size < n) {
        const at = queue.findIndex((f) => fits(f, running));
        if (at < 0) break;
        const f = queue.splice(at, 1)[0]!;
        running.add(f);
        void runFile(f).then((d) => {
          done.push(d);
          running.delete(f);
          fill();
        });
      }
      if (running.size === 0) resolve(done);
    };
    fill();
  });
}

const cpuStart = childCpu();
const results = [...(await pool(exclusive, 1)), ...(await pool(shared, slots)), ...(await pool(only.test(LAST) ? [LAST] : [], 1))];
const wall = (performance.now() - runStarted) / 1000;
const cpu = childCpu() - cpuStart;

const total = (k: string) => results.reduce((n, r) => n + (r.counts[k] ?? 0), 0);
const failed = results.filter((r) => r.code !== 0);
const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 30);
const lines = [
  `# suite: ${results.length} files, ${total('tests')} tests, ${total('pass')} pass, ${total('fail')} fail, ${total('cancelled')} cancelled, ${total('skipped')} skipped, ${total('todo')} todo`,
  `# wall ${(wall / 60).toFixed(1)} min (${wall.toFixed(0)} s), ${slots} at a time (${exclusive.length} files alone); the files add up to ${(results.reduce((n, r) => n + r.seconds, 0) / 60).toFixed(1)} min; CPU ${(cpu / 60).toFixed(1)} min`,
  '# slowest files:',
  ...slowest.map((r) => `#   ${r.seconds.toFixed(1).padStart(6)} s  CPU ${r.cpu.toFixed(1).padStart(5)} s  ${r.source}${r.source in EXCLUSIVE ? ' (alone)' : r.source in GUEST ? ' (guest)' : ''}`),
  ...(failed.length ? ['# failed:', ...failed.map((r) => `#   ${r.file} (exit ${r.code})`)] : []),
  ...(stopping ? ['# stopped by a signal: the files after these did not run'] : []),
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(failed.length || stopping ? 1 : 0);
