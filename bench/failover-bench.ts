// npm run build && node dist/bench/failover-bench.js [--kills 20]
// 1. Time from a real server's death to the balancer change, through a real
//    HAProxy 2.6 driven by `rsguard run` (interval 1s, retryInterval 200ms, fall 2).
// 2. The cost of one full reconcile at 1,000 real servers (HAProxy runtime API,
//    and the IPVS parse + diff without a kernel).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HaproxyActuator } from '../src/actuators/haproxy/haproxy-actuator.js';
import { reconcile } from '../src/actuators/actuator.js';
import { RuntimeClient } from '../src/actuators/haproxy/runtime-client.js';
import { planIpvs } from '../src/actuators/ipvs/ipvs-diff.js';
import { parseIpvsSave } from '../src/actuators/ipvs/ipvs-table.js';
import { loadYamlText } from '../src/config/load.js';
import { planPool, type ServerHealth } from '../src/planner/pool-plan.js';
import { freePort } from '../test/helpers/ports.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli.js');
const i = process.argv.indexOf('--kills');
const KILLS = i > 0 ? Number(process.argv[i + 1]) : 20;
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-failover-'));
const sock = path.join(dir, 'admin.sock');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function pct(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function startBackend(port: number): Promise<http.Server> {
  return new Promise((resolve) => {
    const s = http.createServer((_q, r) => r.end('ok')).listen(port, '127.0.0.1', () => resolve(s));
  });
}
const stopBackend = (s: http.Server) => new Promise<void>((r) => {
  s.closeAllConnections();
  s.close(() => r());
});

const N_BIG = 1000;
const ports = [await freePort(), await freePort()];
const bigServers = Array.from({ length: N_BIG }, (_, k) => `  server big${k} 127.0.0.${2 + Math.floor(k / 250)}:${10000 + (k % 250)} weight 1`).join('\n');
writeFileSync(
  path.join(dir, 'haproxy.cfg'),
  `global\n  stats socket ${sock} mode 600 level admin\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\nbackend web\n  server s1 127.0.0.1:${ports[0]}\n  server s2 127.0.0.1:${ports[1]}\nbackend big\n${bigServers}\n`,
);
const haproxy = spawn('haproxy', ['-f', path.join(dir, 'haproxy.cfg'), '-db'], { stdio: 'ignore' });
await sleep(500);
const client = new RuntimeClient(sock, 5000);
const api = await freePort();
writeFileSync(
  path.join(dir, 'rsguard.yaml'),
  `global: { listen: 127.0.0.1:${api}, logLevel: info, startupSpread: 100ms, checkDefaults: { interval: 1s, timeout: 500ms, retryInterval: 200ms, fall: 2, rise: 1 } }
balancer: { kind: haproxy, socket: ${sock} }
virtualServices:
  - name: web
    address: 192.0.2.1:80
    haproxy: { backend: web }
    checks: [{ kind: http, path: / }]
    realServers: [{ address: 127.0.0.1:${ports[0]} }, { address: 127.0.0.1:${ports[1]} }]
`,
);
const backends = [await startBackend(ports[0]!), await startBackend(ports[1]!)];
const logs: Array<Record<string, unknown>> = [];
const daemon = spawn(process.execPath, [cli, 'run', '-c', path.join(dir, 'rsguard.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
let buf = '';
daemon.stdout!.on('data', (d: Buffer) => {
  buf += d.toString();
  let nl;
  while ((nl = buf.indexOf('\n')) >= 0) {
    logs.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
    buf = buf.slice(nl + 1);
  }
});
async function s1Admin(): Promise<number> {
  const state = await client.send('show servers state web');
  const line = state.split('\n').find((l) => / s1 /.test(l))!;
  return Number(line.trim().split(/\s+/)[6]);
}
await sleep(2000);
const total: number[] = [];
const detect: number[] = [];
const apply: number[] = [];
for (let k = 0; k < KILLS; k++) {
  // Kill at a random point of the check cycle, as a real crash would be.
  await sleep(Math.random() * 1000);
  const mark = logs.length;
  const t0 = Date.now();
  await stopBackend(backends[0]!);
  while (((await s1Admin()) & 1) === 0) await sleep(2);
  total.push(Date.now() - t0);
  const hard = logs.slice(mark).find((l) => l.msg === 'real server state changed' && l.to === 'down');
  const changed = logs.slice(mark).find((l) => l.msg === 'balancer changed');
  if (hard && changed) {
    detect.push((hard.time as number) - t0);
    apply.push((changed.time as number) - (hard.time as number));
  }
  backends[0] = await startBackend(ports[0]!);
  while (((await s1Admin()) & 1) === 1) await sleep(10);
}
daemon.kill('SIGTERM');
await new Promise((r) => daemon.once('exit', r));
await Promise.all(backends.map(stopBackend));

// Full reconcile at 1,000 real servers.
const bigModel = loadYamlText(
  'big.yaml',
  `balancer: { kind: haproxy, socket: ${sock} }\nvirtualServices:\n  - name: big\n    address: 192.0.2.2:80\n    haproxy: { backend: big }\n    realServers:\n${Array.from({ length: N_BIG }, (_, k) => `      - { address: 127.0.0.${2 + Math.floor(k / 250)}:${10000 + (k % 250)}, weight: WEIGHT }`).join('\n')}\n`.replaceAll('WEIGHT', '1'),
);
const vs = bigModel.virtualServices[0]!;
const desiredWith = (weight: number) => {
  const v = { ...vs, realServers: vs.realServers.map((r) => ({ ...r, weight })) };
  const servers = new Map<string, ServerHealth>(v.realServers.map((r) => [r.key, { hardState: 'up', upSince: -Infinity }]));
  return [{ vs: v, plan: planPool({ vs: v, servers, drained: new Set(), previousQuorumUp: true, now: 0 }) }];
};
const actuator = new HaproxyActuator(client);
const timeIt = async (f: () => Promise<unknown>) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await f();
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, r };
};
const noop = await timeIt(() => reconcile(actuator, desiredWith(1)));
const all = await timeIt(() => reconcile(actuator, desiredWith(2)));
const allChanges = (all.r as { changes: unknown[] }).changes.length;
haproxy.kill('SIGTERM');

const ipvsSaved = vs.realServers.map((r) => `-a -t 192.0.2.2:80 -r ${r.key} -g -w 1`).join('\n');
const ipvsText = `-A -t 192.0.2.2:80 -s wrr\n${ipvsSaved}\n`;
const ipvs = await timeIt(async () => planIpvs(desiredWith(2), parseIpvsSave(ipvsText), { services: new Set(['tcp:192.0.2.2:80']), members: new Map() }, { foreignServers: 'keep', complete: true }));
rmSync(dir, { recursive: true, force: true });

console.log(`\nrsguard failover bench (${new Date().toISOString()})`);
console.log(`death → HAProxy change over ${total.length} kills (interval 1s, retryInterval 200ms, fall 2):`);
console.log(`| measure | p50 ms | p99 ms | max ms |\n|---|---|---|---|`);
console.log(`| total (kill → server in maint) | ${pct(total, 0.5)} | ${pct(total, 0.99)} | ${Math.max(...total)} |`);
console.log(`| detection (kill → hard down logged) | ${pct(detect, 0.5)} | ${pct(detect, 0.99)} | ${Math.max(...detect)} |`);
console.log(`| apply (hard down → balancer changed) | ${pct(apply, 0.5)} | ${pct(apply, 0.99)} | ${Math.max(...apply)} |`);
console.log(`\nfull reconcile at ${N_BIG} real servers:`);
console.log(`| case | wall ms | rsguard CPU ms |\n|---|---|---|`);
console.log(`| HAProxy, nothing to change (show servers state + diff) | ${noop.ms.toFixed(1)} | ${noop.cpuMs.toFixed(1)} |`);
console.log(`| HAProxy, all ${allChanges} weights change (batched set server) | ${all.ms.toFixed(1)} | ${all.cpuMs.toFixed(1)} |`);
console.log(`| IPVS parse of ipvsadm -Sn + diff, all weights change (no kernel here) | ${ipvs.ms.toFixed(1)} | ${ipvs.cpuMs.toFixed(1)} |`);
