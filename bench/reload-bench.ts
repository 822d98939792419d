// npm run build && node dist/bench/reload-bench.js [--sizes 500,5000,10000]
// How long a config reload (SIGHUP) blocks rsguard's event loop, with every
// real server hard down (the path that carries dead servers over a reload).
// The daemon runs in this process (embedded, balancer none); its checks are
// TCP connects to closed loopback ports, refused at once. A 1 ms timer
// measures the longest gap between its ticks while a reload runs: a check
// due in that gap waits that long.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDaemon } from '../src/daemon.js';
import { createLogger } from '../src/log.js';
import { freePort } from '../test/helpers/ports.js';

const arg = (n: string, d: string) => (process.argv.includes(`--${n}`) ? process.argv[process.argv.indexOf(`--${n}`) + 1]! : d);
const SIZES = arg('sizes', '500,5000,10000').split(',').map(Number);
const PER_VS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `extra` adds a check to every server (a new check on a dead server: the carried-down path); `interval` changes every check's timing. */
function config(n: number, api: number, o: { extra?: boolean; interval?: string } = {}): string {
  const vss: string[] = [];
  for (let v = 0; v * PER_VS < n; v++) {
    const servers = Array.from({ length: Math.min(PER_VS, n - v * PER_VS) }, (_, i) => `{ address: 127.77.${(v * PER_VS + i) >> 8}.${(v * PER_VS + i) & 255}:9 }`).join(', ');
    const checks = o.extra ? '[{ kind: tcp }, { kind: tcp, send: "x" }]' : '[{ kind: tcp }]';
    vss.push(`  - { name: vs${v}, address: 10.1.${v}.1:80, checks: ${checks}, realServers: [${servers}] }`);
  }
  return `global: { listen: 127.0.0.1:${api}, startupSpread: 2s, stateFile: false, logLevel: error, checkDefaults: { interval: ${o.interval ?? '20s'}, timeout: 1s, fall: 1, rise: 1 } }
balancer: { kind: none }
virtualServices:
${vss.join('\n')}
`;
}

/**
 * The checks a reload adds run their first round within the startup spread
 * (2 s) and timeout (1 s): 10,000 probes then are that round's load, not the
 * next reload's, so each reload is measured once the last one has settled.
 * That round is measured too, apart: the longest gap in the 3 s after the
 * reload returned (its connects and 10,000 transitions share the loop).
 */
const SETTLE_MS = 4000;
const ROUND_MS = 3000;

interface Block {
  maxGapMs: number;
  wallMs: number;
  roundGapMs: number;
}

async function blockDuring(run: () => Promise<unknown>): Promise<Block> {
  await sleep(SETTLE_MS);
  let last = performance.now();
  let maxGap = 0;
  const t = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  const start = performance.now();
  await run();
  const wallMs = performance.now() - start;
  await sleep(20);
  const during = maxGap;
  maxGap = 0;
  await sleep(ROUND_MS - 20);
  clearInterval(t);
  return { maxGapMs: during, wallMs, roundGapMs: maxGap };
}

const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-reload-bench-'));
const file = path.join(dir, 'rsguard.yaml');
const rows: string[][] = [];
try {
  const api = await freePort();
  writeFileSync(file, config(SIZES[0]!, api));
  const daemon = await startDaemon({ configFile: file, log: createLogger('error') });
  const allDown = async (n: number) => {
    for (let i = 0; i < 200; i++) {
      let down = 0;
      for (const r of daemon.monitor.serverRecords()) if (r.hardState === 'down') down++;
      if (down >= n) return;
      await sleep(100);
    }
    const by: Record<string, number> = {};
    for (const r of daemon.monitor.serverRecords()) by[r.hardState] = (by[r.hardState] ?? 0) + 1;
    throw new Error(`servers never all down: ${JSON.stringify(by)}`);
  };
  await allDown(SIZES[0]!);
  let prev = SIZES[0]!;
  for (const n of SIZES) {
    if (n !== prev) {
      writeFileSync(file, config(n, api));
      rows.push([`grow ${prev} -> ${n}`, String(n), ...fmt(await blockDuring(() => daemon.reload()))]);
      await allDown(n);
      prev = n;
    }
    writeFileSync(file, config(n, api));
    rows.push(['same file again', String(n), ...fmt(await blockDuring(() => daemon.reload()))]);
    writeFileSync(file, config(n, api, { interval: '21s' }));
    rows.push(['timing of every check changed', String(n), ...fmt(await blockDuring(() => daemon.reload()))]);
    writeFileSync(file, config(n, api, { extra: true, interval: '21s' }));
    rows.push(['a new check on every dead server', String(n), ...fmt(await blockDuring(() => daemon.reload()))]);
    writeFileSync(file, config(n, api));
    await daemon.reload();
  }
  // test/faults/reload-cost's case: from 1,000 to the largest size with a new check on every server (19,000 new checks at 10,000).
  const top = Math.max(...SIZES);
  writeFileSync(file, config(1000, api));
  await daemon.reload();
  await allDown(1000);
  writeFileSync(file, config(top, api, { extra: true }));
  rows.push([`grow 1000 -> ${top}, a new check on every server`, String(top), ...fmt(await blockDuring(() => daemon.reload()))]);
  await allDown(top);
  await daemon.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function fmt(r: Block): string[] {
  return [r.maxGapMs.toFixed(0), r.wallMs.toFixed(0), r.roundGapMs.toFixed(0)];
}

console.log('\n| reload | servers (all hard down) | event loop blocked, longest (ms) | reload took (ms) | blocked in the 3 s after, longest (ms) |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
process.exit(0);
