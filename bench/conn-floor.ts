// node dist/bench/conn-floor.js [--rate 5000] [--seconds 10] [--ports 5000]
// Node's own floor for a check's connection, outside rsguard: the raw handle (src/lib/raw-tcp-conn.ts) opening
// `rate` connections a second against the bench's nginx farm, paced as rsguard paces its checks (a batch every
// 10 ms), each a connect check (connect, then reset) or an HTTP exchange (connect, GET, read to the end, close), with
// no scheduler, state, parser or metrics. Its CPU per 1000 beside rsguard's in the core bench is what rsguard adds;
// beside HAProxy's, what Node and libuv cost. Each kind runs with quick ACK off (the check-socket addon) and on.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RawTcpConn, checkQuickAckOff } from '../src/lib/raw-tcp-conn.js';
import { startNginxFarm } from './nginx-farm.js';
import { printTable } from './bench-report.js';
import { reexecInPrivateNetns } from './private-netns.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const rate = Number(arg('rate', '5000'));
const seconds = Number(arg('seconds', '10'));
const child = arg('child', '');

const REQUEST = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nUser-Agent: rsguard\r\n\r\n';

/** One connection's exchange; resolves when it is over (failures counted, not thrown). */
function exchange(kind: string, port: number, failed: () => void): Promise<void> {
  return new Promise((resolve) => {
    const conn: RawTcpConn = new RawTcpConn(
      '127.0.0.1',
      port,
      4,
      {
        connect: () => (kind === 'tcp' ? (conn.reset(), resolve()) : conn.write(REQUEST)),
        data: () => {},
        end: () => (conn.close(), resolve()),
        error: () => (failed(), resolve()),
      },
      true,
    );
  });
}

/** The measuring child: paced exchanges for a warm-up and a window, then its CPU per 1000 as JSON. */
async function runChild(kind: string, ports: number[]): Promise<void> {
  let done = 0;
  let failures = 0;
  let next = 0;
  const perBatch = rate / 100;
  const timer = setInterval(() => {
    for (let i = 0; i < perBatch; i++) {
      const port = ports[next++ % ports.length]!;
      void exchange(kind, port, () => failures++).then(() => done++);
    }
  }, 10);
  await new Promise((r) => setTimeout(r, 3000));
  const cpu0 = process.cpuUsage();
  const done0 = done;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const n = done - done0;
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ kind, quickAckOff: checkQuickAckOff, perSecond: n / seconds, failures, user: (cpu.user / 1e6 / n) * 1000, sys: (cpu.system / 1e6 / n) * 1000 }));
  process.exit(0);
}

if (child) {
  await runChild(child, arg('port-list', '').split(',').map(Number));
} else if (!reexecInPrivateNetns()) {
  const farm = await startNginxFarm(12000, Number(arg('ports', '5000')));
  const rows: string[][] = [];
  try {
    for (const kind of ['tcp', 'http'])
      for (const quickack of ['off', 'on']) {
        const env = { ...process.env, ...(quickack === 'on' ? { RSGUARD_CHECK_QUICKACK: 'on' } : {}) };
        const args = [fileURLToPath(import.meta.url), '--child', kind, '--rate', String(rate), '--seconds', String(seconds), '--port-list', farm.ports.join(',')];
        const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 1 << 20 });
        if (r.status !== 0) throw new Error(`conn-floor child (${kind}, quick ACK ${quickack}) failed: ${r.stderr}`);
        const m = JSON.parse(r.stdout) as { quickAckOff: boolean; perSecond: number; failures: number; user: number; sys: number };
        rows.push([kind, m.quickAckOff ? 'off' : 'on', m.perSecond.toFixed(0), String(m.failures), (m.user + m.sys).toFixed(3), m.user.toFixed(3), m.sys.toFixed(3)]);
      }
  } finally {
    await farm.stop();
  }
  console.log(`\nNode's floor per connection (raw handle, no rsguard), ${rate}/s for ${seconds}s after 3s, one nginx farm:`);
  printTable(['kind', 'quick ACK', 'done/s', 'failures', 'CPU s/1000', 'user', 'sys'], rows);
}
