// Runs inside the IPVS guest (see test/integration/ipvs-vm.test.ts): real
// servers, `rsguard run` with balancer ipvs, and the kernel table read back
// with ipvsadm after each step. Writes results.json to the directory given.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const out = process.argv[2]!;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const results: Record<string, { ok: boolean; detail: string }> = {};
const latencies: number[] = [];
const logs: string[] = [];
let batchMs = 0;
let singleMs = 0;
let daemonExit: string | null = null; // set only when rsguard exits before the scenario stops it
let stopping = false;
let daemon: ReturnType<typeof spawn> | undefined;
let scenarioError: string | null = null;
// Written after every step, so a scenario that dies midway still tells the
// host test which step it reached, why it stopped and what the daemon logged.
const save = () =>
  writeFileSync(path.join(out, 'results.json'), JSON.stringify({ results, latencies, batchMs, singleMs, daemonExit, scenarioError, logs: logs.join('') }, null, 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const table = () => execFileSync('ipvsadm', ['-Sn'], { encoding: 'utf8' });

const servers = new Map<string, http.Server>();
async function up(host: string, body: string): Promise<void> {
  const s = http.createServer((_q, r) => r.end(body));
  await new Promise<void>((r) => s.listen(80, host, () => r()));
  servers.set(host, s);
}
async function down(host: string): Promise<void> {
  const s = servers.get(host)!;
  servers.delete(host);
  s.closeAllConnections();
  await new Promise<void>((r) => s.close(() => r()));
}
async function until(step: string, pred: (t: string) => boolean, timeoutMs = 60_000): Promise<boolean> {
  const t0 = Date.now();
  for (;;) {
    const t = table();
    if (pred(t)) {
      results[step] = { ok: true, detail: t };
      save();
      return true;
    }
    if (Date.now() - t0 > timeoutMs) {
      results[step] = { ok: false, detail: t };
      save();
      return false;
    }
    await sleep(20);
  }
}
const has = (t: string, line: string) => t.split('\n').includes(line);

try {
  save(); // the host test tells a guest that reached the scenario from one that did not
  execFileSync('ip', ['addr', 'add', '2001:db8::2/128', 'dev', 'lo']);
  for (const h of ['127.0.0.2', '127.0.0.3', '127.0.0.9', '2001:db8::2']) await up(h, h === '127.0.0.9' ? 'sorry' : `rs ${h}`);
  execFileSync('ipvsadm', ['-A', '-t', '10.9.9.9:80', '-s', 'rr']); // not rsguard's: must survive everything
  // Configured in rsguard, but there before it: adopted for weights, never deleted (not even by cleanStop).
  execFileSync('ipvsadm', ['-A', '-t', '10.0.0.2:80', '-s', 'wrr', '-p', '300']);
  const ownedFile = path.join(out, 'ipvs-owned.json');
  const owned = () => {
    try {
      return (JSON.parse(readFileSync(ownedFile, 'utf8')) as { services: string[] }).services;
    } catch {
      return null;
    }
  };
  writeFileSync(
    path.join(out, 'rsguard.yaml'),
    `global: { listen: 127.0.0.1:9901, apiToken: vm-test-token-0123456789, startupSpread: 100ms, checkDefaults: { interval: 300ms, timeout: 800ms, retryInterval: 100ms, fall: 2, rise: 1 } }
balancer: { kind: ipvs, reconcileInterval: 1s, stateFile: ${ownedFile} }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    scheduler: wrr
    sorryServer: 127.0.0.9:80
    checks: [{ kind: http, path: / }]
    realServers: [{ address: 127.0.0.2:80, weight: 3 }, { address: 127.0.0.3:80, weight: 2 }]
  - name: webq
    address: 10.0.0.2:80
    onDown: quiescent
    persistence: { timeout: 300 }
    forwarding: nat
    checks: [{ kind: tcp }]
    realServers: [{ address: 127.0.0.2:80 }, { address: 127.0.0.3:80 }]
  - name: v6
    address: "[2001:db8::100]:80"
    scheduler: rr
    checks: [{ kind: http, path: / }]
    realServers: [{ address: "[2001:db8::2]:80" }]
  - name: mark
    fwmark: 6
    scheduler: rr
    interval: 1s
    timeout: 800ms
    checks: [{ kind: tcp, port: 80 }]
    realServers: [{ address: 127.0.0.2 }, { address: 127.0.0.3 }]
  - name: allports
    address: 10.0.0.3:0
    persistence: { timeout: 300 }
    interval: 1s
    timeout: 800ms
    checks: [{ kind: http, port: 80, path: / }]
    realServers: [{ address: 127.0.0.2 }, { address: 127.0.0.3 }]
`,
  );
  daemon = spawn(process.execPath, [path.join(root, 'dist/src/cli.js'), 'run', '-c', path.join(out, 'rsguard.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  daemon.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  daemon.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const running = daemon;
  daemon.once('exit', (code, signal) => {
    if (stopping) return;
    daemonExit = `code ${code} signal ${signal}`;
    save();
  });

  await until('initial', (t) =>
    has(t, '-a -t 10.0.0.1:80 -r 127.0.0.2:80 -g -w 3') && has(t, '-a -t 10.0.0.1:80 -r 127.0.0.3:80 -g -w 2') && has(t, '-A -t 10.0.0.2:80 -s wrr -p 300') &&
    has(t, '-a -t 10.0.0.2:80 -r 127.0.0.3:80 -m -w 1') && has(t, '-a -t [2001:db8::100]:80 -r [2001:db8::2]:80 -g -w 1'), 60_000);
  // fwmark and port-0 services: port-less real servers (IPVS prints them as :0), checked on the port the checks name.
  await until('fwmark-and-port0', (t) =>
    has(t, '-A -f 6 -s rr') && has(t, '-a -f 6 -r 127.0.0.2:0 -g -w 1') && has(t, '-a -f 6 -r 127.0.0.3:0 -g -w 1') &&
    has(t, '-A -t 10.0.0.3:0 -s wrr -p 300') && has(t, '-a -t 10.0.0.3:0 -r 127.0.0.2:0 -g -w 1') && has(t, '-a -t 10.0.0.3:0 -r 127.0.0.3:0 -g -w 1'));
  await down('127.0.0.3');
  await until('down-removed-or-quiesced', (t) => !t.includes('-a -t 10.0.0.1:80 -r 127.0.0.3:80') && has(t, '-a -t 10.0.0.2:80 -r 127.0.0.3:80 -m -w 0'));
  await until('fwmark-and-port0-down', (t) => !t.includes('-a -f 6 -r 127.0.0.3:0') && !t.includes('-a -t 10.0.0.3:0 -r 127.0.0.3:0') && has(t, '-a -f 6 -r 127.0.0.2:0 -g -w 1'));
  await down('127.0.0.2');
  await until('sorry-in', (t) => has(t, '-a -t 10.0.0.1:80 -r 127.0.0.9:80 -g -w 1') && !t.includes('-a -t 10.0.0.1:80 -r 127.0.0.2:80'));
  await up('127.0.0.2', 'rs 127.0.0.2');
  await until('sorry-out', (t) => has(t, '-a -t 10.0.0.1:80 -r 127.0.0.2:80 -g -w 3') && !t.includes('127.0.0.9'));
  // Under emulation on a loaded host a check can time out and take the server out for a moment
  // (then `-d` finds no destination): delete it once it is in the table again.
  for (let tries = 0; ; tries++) {
    // Not back within the step's wait: retrying would only run the guest into the host's timeout.
    if (!(await until('hand-delete-present', (t) => has(t, '-a -t 10.0.0.1:80 -r 127.0.0.2:80 -g -w 3')))) throw new Error('127.0.0.2 did not come back for the hand delete');
    try {
      execFileSync('ipvsadm', ['-d', '-t', '10.0.0.1:80', '-r', '127.0.0.2:80'], { stdio: 'pipe' });
      break;
    } catch (err) {
      if (tries === 5) throw err;
    }
  }
  delete results['hand-delete-present'];
  await until('hand-delete-restored', (t) => has(t, '-a -t 10.0.0.1:80 -r 127.0.0.2:80 -g -w 3'));
  await up('127.0.0.3', 'rs 127.0.0.3');
  await until('both-back', (t) => has(t, '-a -t 10.0.0.1:80 -r 127.0.0.3:80 -g -w 2'));
  for (let k = 0; k < 20; k++) {
    await sleep(Math.random() * 300);
    const t0 = Date.now();
    await down('127.0.0.3');
    if (!(await until(`kill-${k}`, (t) => !t.includes('-r 127.0.0.3:80 -g')))) break;
    latencies.push(Date.now() - t0);
    delete results[`kill-${k}`];
    await up('127.0.0.3', 'rs 127.0.0.3');
    if (!(await until(`back-${k}`, (t) => t.includes('-a -t 10.0.0.1:80 -r 127.0.0.3:80 -g -w 2')))) break;
    delete results[`back-${k}`];
  }
  // A drain through the API: weight 0, kept in the table; its ActiveConn read back from the kernel.
  const api = (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:9901${p}`, init).then((r) => r.json() as Promise<Record<string, unknown>>);
  await api('/api/drain', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer vm-test-token-0123456789' }, body: JSON.stringify({ vs: 'web', rs: '127.0.0.3:80' }) });
  await until('drained', (t) => has(t, '-a -t 10.0.0.1:80 -r 127.0.0.3:80 -g -w 0'));
  // Read until it answers: under emulation a check can time out and flap the server out and back (drained, weight 0) meanwhile.
  let conns: Record<string, unknown> = {};
  for (const t0c = Date.now(); Date.now() - t0c < 10_000; await sleep(100)) {
    conns = await api('/api/connections?vs=web&rs=127.0.0.3:80');
    if (conns.activeConnections !== undefined) break;
  }
  results['drain-connections'] = { ok: conns.activeConnections === 0, detail: JSON.stringify(conns) };
  await api('/api/undrain', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer vm-test-token-0123456789' }, body: JSON.stringify({ vs: 'web', rs: '127.0.0.3:80' }) });
  await until('undrained', (t) => has(t, '-a -t 10.0.0.1:80 -r 127.0.0.3:80 -g -w 2'));
  results['not-owned-untouched'] = { ok: has(table(), '-A -t 10.9.9.9:80 -s rr'), detail: table() };
  results['ownership-recorded'] = { ok: JSON.stringify([...(owned() ?? [])].sort()) === JSON.stringify(['fwmark:6:inet', 'tcp:10.0.0.1:80', 'tcp:10.0.0.3:0', 'tcp:[2001:db8::100]:80']), detail: JSON.stringify(owned()) };
  if (daemonExit === null) {
    stopping = true;
    running.kill('SIGTERM');
    await new Promise((r) => running.once('exit', r));
  }
  const after = table();
  const services = after.split('\n').filter((l) => l.startsWith('-A'));
  results['clean-stop'] = { ok: JSON.stringify(services) === JSON.stringify(['-A -t 10.0.0.2:80 -s wrr -p 300', '-A -t 10.9.9.9:80 -s rr']) || JSON.stringify(services) === JSON.stringify(['-A -t 10.9.9.9:80 -s rr', '-A -t 10.0.0.2:80 -s wrr -p 300']), detail: after };
  results['ownership-cleared'] = { ok: JSON.stringify(owned()) === '[]', detail: JSON.stringify(owned()) };
  // Batch (ipvsadm -R) against one ipvsadm call per change, for 200 real servers.
  const dests = Array.from({ length: 200 }, (_, k) => `127.1.${Math.floor(k / 250)}.${(k % 250) + 1}:80`);
  execFileSync('ipvsadm', ['-A', '-t', '10.8.8.8:80', '-s', 'wrr']);
  let t0 = performance.now();
  execFileSync('ipvsadm', ['-R'], { input: `${dests.map((d) => `-a -t 10.8.8.8:80 -r ${d} -g -w 1`).join('\n')}\n` });
  batchMs = performance.now() - t0;
  t0 = performance.now();
  for (const d of dests) execFileSync('ipvsadm', ['-e', '-t', '10.8.8.8:80', '-r', d, '-g', '-w', '2']);
  singleMs = performance.now() - t0;
  execFileSync('ipvsadm', ['-D', '-t', '10.8.8.8:80']);
} catch (err) {
  scenarioError = err instanceof Error ? (err.stack ?? err.message) : String(err);
  // Without this the running daemon keeps the guest up until the host's timeout kills it.
  if (daemon && daemonExit === null && !stopping) {
    stopping = true;
    daemon.kill('SIGKILL');
  }
}
save();
for (const h of [...servers.keys()]) await down(h);

