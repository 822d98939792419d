// npm run build && node dist/bench/detection-bench.js [--load 5000 --kills 20]
// Detection under load: a real server is killed while N other servers are
// checked every second, and the time from its death to the HAProxy change is
// measured twice on the same farm with the same settings (interval 1 s,
// retry/fastinter 200 ms, fall 2, timeout 500 ms):
//   - rsguard checking and driving HAProxy through its runtime API;
//   - HAProxy checking by itself (its own detection, the reference).
// For rsguard it also checks each kill against its bound, first failure +
// (fall - 1) x retryInterval + timeout + 100 ms, and gives the apply step
// (hard down -> balancer changed) apart.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuntimeClient } from '../src/actuators/haproxy/runtime-client.js';
import { freePort } from '../test/helpers/ports.js';
import { startNginxFarm } from './nginx-farm.js';
import { reexecInPrivateNetns } from './private-netns.js';

if (reexecInPrivateNetns()) process.exit();

const arg = (n: string, d: string) => (process.argv.includes(`--${n}`) ? process.argv[process.argv.indexOf(`--${n}`) + 1]! : d);
const LOAD = Number(arg('load', '5000'));
const KILLS = Number(arg('kills', '20'));
const T = { intervalMs: 1000, retryMs: 200, fall: 2, timeoutMs: 500 };
const BOUND_AFTER_FIRST_FAILURE = (T.fall - 1) * T.retryMs + T.timeoutMs + 100;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PER_BACKEND = 250;

function pct(values: number[], q: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function startBackend(port: number): Promise<http.Server> {
  return new Promise((resolve) => {
    const s = http.createServer((_q, r) => r.end('ok')).listen(port, '127.0.0.1', () => resolve(s));
  });
}
const stopBackend = (s: http.Server) =>
  new Promise<void>((r) => {
    s.closeAllConnections();
    s.close(() => r());
  });

/** HAProxy with the victim's backend and the load backends; `checks` makes HAProxy check them itself. */
function haproxyConfig(sock: string, victims: number[], load: number[], checks: boolean): string {
  const check = checks ? ' check' : '';
  const opts = checks ? `  option httpchk GET /health\n  http-check expect string ok\n  default-server inter ${T.intervalMs} fastinter ${T.retryMs} downinter ${T.intervalMs} fall ${T.fall} rise 1\n` : '';
  const backends = [`backend web\n  mode http\n${opts}${victims.map((p, i) => `  server s${i + 1} 127.0.0.1:${p}${check}`).join('\n')}`];
  for (let b = 0; b * PER_BACKEND < load.length; b++) {
    const servers = load.slice(b * PER_BACKEND, (b + 1) * PER_BACKEND).map((p) => `  server p${p} 127.0.0.1:${p}${check}`);
    backends.push(`backend b${b}\n  mode http\n${opts}${servers.join('\n')}`);
  }
  return `global\n  maxconn 2000\n  stats socket ${sock} mode 600 level admin\ndefaults\n  timeout connect ${T.timeoutMs}ms\n  timeout check ${T.timeoutMs}ms\n  timeout client 5s\n  timeout server 5s\n${backends.join('\n')}\n`;
}

function rsguardConfig(sock: string, api: number, victims: number[], load: number[]): string {
  const check = '[{ kind: http, path: /health, expectBody: ok }]';
  const vss = [`  - name: web\n    address: 192.0.2.1:80\n    haproxy: { backend: web }\n    checks: ${check}\n    realServers: [${victims.map((p) => `{ address: 127.0.0.1:${p} }`).join(', ')}]`];
  for (let b = 0; b * PER_BACKEND < load.length; b++) {
    const servers = load.slice(b * PER_BACKEND, (b + 1) * PER_BACKEND).map((p) => `      - { address: 127.0.0.1:${p} }`);
    vss.push(`  - name: load${b}\n    address: 192.0.3.${b + 1}:80\n    haproxy: { backend: b${b} }\n    checks: ${check}\n    realServers:\n${servers.join('\n')}`);
  }
  // debug: the soft-state lines carry the first failure's time.
  return `global:\n  listen: 127.0.0.1:${api}\n  logLevel: debug\n  concurrency: 10000\n  startupSpread: 1s\n  stateFile: false\n  checkDefaults: { interval: ${T.intervalMs}ms, timeout: ${T.timeoutMs}ms, retryInterval: ${T.retryMs}ms, fall: ${T.fall}, rise: 1 }\nbalancer: { kind: haproxy, socket: ${sock} }\nvirtualServices:\n${vss.join('\n')}\n`;
}

async function startHaproxy(dir: string, cfg: string): Promise<{ child: ChildProcess; client: RuntimeClient }> {
  const sock = path.join(dir, 'admin.sock');
  writeFileSync(path.join(dir, 'haproxy.cfg'), cfg);
  const child = spawn('haproxy', ['-f', path.join(dir, 'haproxy.cfg'), '-db'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const client = new RuntimeClient(sock, 5000);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
    if (await client.send('show info').then(() => true, () => false)) return { child, client };
    if (i > 100) throw new Error('haproxy did not open its stats socket');
    await sleep(100);
  }
}

/** s1's fields in `show servers state web`: [5] operational state (0 stopped, 2 running), [6] admin state (bit 1: forced maintenance). */
async function s1State(client: RuntimeClient): Promise<{ op: number; admin: number }> {
  const line = (await client.send('show servers state web')).split('\n').find((l) => / s1 /.test(l))!;
  const f = line.trim().split(/\s+/);
  return { op: Number(f[5]), admin: Number(f[6]) };
}

async function until(pred: () => Promise<boolean>, limitMs: number, what: string): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

interface Kill {
  total: number;
  firstFailure?: number;
  hard?: number;
  applied?: number;
}

async function killLoop(victim: { port: number; server: http.Server }, out: () => Promise<boolean>, back: () => Promise<boolean>, onKill: (t0: number) => Promise<Omit<Kill, 'total'>>): Promise<Kill[]> {
  const kills: Kill[] = [];
  for (let k = 0; k < KILLS; k++) {
    // A random point of the check cycle, as a real crash would be.
    await sleep(Math.random() * T.intervalMs);
    const t0 = Date.now();
    await stopBackend(victim.server);
    await until(out, 10_000, 'the killed server to leave');
    const total = Date.now() - t0;
    kills.push({ total, ...(await onKill(t0)) });
    victim.server = await startBackend(victim.port);
    await until(back, 10_000, 'the server to come back');
  }
  return kills;
}

async function runRsguard(dir: string, victim: { port: number; server: http.Server }, ports: number[], load: number[]): Promise<Kill[]> {
  const { child: haproxy, client } = await startHaproxy(dir, haproxyConfig(path.join(dir, 'admin.sock'), ports, load, false));
  const api = await freePort();
  const cfg = path.join(dir, 'rsguard.yaml');
  writeFileSync(cfg, rsguardConfig(path.join(dir, 'admin.sock'), api, ports, load));
  const logs: Array<Record<string, unknown>> = [];
  const daemon = spawn(process.execPath, [cli, 'run', '-c', cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  daemon.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      // The victim's lines only (its virtual service by name, or by key on 'balancer changed').
      if (line.includes('"vs":"web"') || line.includes('192.0.2.1:80')) logs.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  try {
    await sleep(4000 + LOAD / 2);
    const s1 = (l: Record<string, unknown>) => l.rs === `127.0.0.1:${ports[0]}`;
    return await killLoop(
      victim,
      async () => ((await s1State(client)).admin & 1) === 1,
      async () => ((await s1State(client)).admin & 1) === 0,
      async (t0) => {
        await sleep(200); // the log lines of the change, which HAProxy may have applied before they were read
        const mine = logs.filter((l) => (l.time as number) >= t0 && s1(l));
        const first = mine.find((l) => l.msg === 'real server soft state' && String(l.to).startsWith('down'));
        const hard = mine.find((l) => l.msg === 'real server state changed' && l.to === 'down');
        const applied = logs.find((l) => (l.time as number) >= t0 && l.msg === 'balancer changed');
        return {
          ...(first ? { firstFailure: (first.time as number) - t0 } : {}),
          ...(hard ? { hard: (hard.time as number) - t0 } : {}),
          ...(hard && applied ? { applied: (applied.time as number) - (hard.time as number) } : {}),
        };
      },
    );
  } finally {
    daemon.kill('SIGTERM');
    haproxy.kill('SIGTERM');
    await Promise.all([daemon, haproxy].map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)));
  }
}

async function runHaproxy(dir: string, victim: { port: number; server: http.Server }, ports: number[], load: number[]): Promise<Kill[]> {
  const { child: haproxy, client } = await startHaproxy(dir, haproxyConfig(path.join(dir, 'admin.sock'), ports, load, true));
  try {
    await sleep(4000 + LOAD / 2);
    return await killLoop(
      victim,
      async () => (await s1State(client)).op === 0,
      async () => (await s1State(client)).op === 2,
      async () => ({}),
    );
  } finally {
    haproxy.kill('SIGTERM');
    if (haproxy.exitCode === null) await new Promise((r) => haproxy.once('exit', r));
  }
}

const farm = await startNginxFarm(12000, LOAD);
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-detect-'));
const ports = [await freePort(), await freePort()];
const victim = { port: ports[0]!, server: await startBackend(ports[0]!) };
const other = await startBackend(ports[1]!);
let rs: Kill[];
let hp: Kill[];
try {
  rs = await runRsguard(dir, victim, ports, farm.ports);
  hp = await runHaproxy(dir, victim, ports, farm.ports);
} finally {
  await stopBackend(victim.server);
  await stopBackend(other);
  await farm.stop();
  rmSync(dir, { recursive: true, force: true });
}

const f = (x: number) => (Number.isFinite(x) ? String(Math.round(x)) : '-');
const row = (name: string, xs: number[]) => `| ${name} | ${xs.length} | ${f(pct(xs, 0.5))} | ${f(pct(xs, 0.99))} | ${f(Math.max(...xs))} |`;
const afterFirst = rs.filter((k) => k.hard !== undefined && k.firstFailure !== undefined).map((k) => k.hard! - k.firstFailure!);
const within = afterFirst.filter((x) => x <= BOUND_AFTER_FIRST_FAILURE).length;
console.log(`\nrsguard detection bench: ${LOAD} other servers checked every ${T.intervalMs} ms (HTTP), retry ${T.retryMs} ms, fall ${T.fall}, timeout ${T.timeoutMs} ms; ${KILLS} kills each; ${new Date().toISOString()}`);
console.log('| measure | kills | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|');
console.log(row('HAProxy checking by itself: kill -> server DOWN', hp.map((k) => k.total)));
console.log(row('rsguard driving HAProxy: kill -> server in MAINT', rs.map((k) => k.total)));
console.log(row('rsguard: kill -> first failure seen', rs.flatMap((k) => (k.firstFailure === undefined ? [] : [k.firstFailure]))));
console.log(row(`rsguard: first failure -> hard down (bound ${BOUND_AFTER_FIRST_FAILURE} ms)`, afterFirst));
console.log(row('rsguard: apply (hard down -> balancer changed)', rs.flatMap((k) => (k.applied === undefined ? [] : [k.applied]))));
console.log(`\nrsguard within its bound: ${within} of ${afterFirst.length} kills; ratio of p99 kill -> out, rsguard / HAProxy: ${(pct(rs.map((k) => k.total), 0.99) / pct(hp.map((k) => k.total), 0.99)).toFixed(2)}`);
