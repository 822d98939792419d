// Runs inside the IPVS guest (see test/integration/ipvs-ownership-vm.test.ts):
// what rsguard does with what it did not create. Real servers added by hand,
// services that were there before it, services a reload or a restart drops,
// and foreignServers keep / remove, read back with ipvsadm after each step.
// Writes results.json to the directory given after every step.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScenarioDaemon } from './scenario-daemon.js';

const out = process.argv[2]!;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(root, 'dist/src/cli.js');
const results: Record<string, { ok: boolean; detail: string }> = {};
let scenarioError: string | null = null;
const save = () => writeFileSync(path.join(out, 'results.json'), JSON.stringify({ results, daemonExit: daemon.exit, scenarioError, logs: logs.join('') }, null, 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const table = () => execFileSync('ipvsadm', ['-Sn'], { encoding: 'utf8' });
const has = (t: string, line: string) => t.split('\n').includes(line);
const ipvsadm = (...args: string[]) => execFileSync('ipvsadm', args, { stdio: 'pipe' });
const API = 'http://127.0.0.1:23001';
const configFile = path.join(out, 'rsguard.yaml');
const ownedFile = path.join(out, 'ipvs-owned.json');

const record = (step: string, ok: boolean, detail: string) => {
  results[step] = { ok, detail };
  save();
  return ok;
};
async function until(step: string, pred: (t: string) => boolean, timeoutMs = 60_000): Promise<boolean> {
  const t0 = Date.now();
  for (;;) {
    const t = table();
    if (pred(t)) return record(step, true, t);
    if (Date.now() - t0 > timeoutMs) return record(step, false, t);
    await sleep(50);
  }
}

interface Status {
  balancer: { lastReconcileAt: string | null; problems: unknown[] };
  virtualServices: Array<{ name: string; adopted: boolean; foreign: Array<{ server: string; forwarding: string; weight: number }>; leftAsFound: string[] }>;
}
const status = async (): Promise<Status> => (await fetch(`${API}/api/status`)).json() as Promise<Status>;
const vsOf = (s: Status, name: string) => s.virtualServices.find((v) => v.name === name);

/** Waits for `n` full reconciles that began after `since` (the periodic repair runs every second): what they would delete is gone by then. */
async function reconcilesAfter(since: number, n: number): Promise<string[]> {
  const seen: string[] = [];
  const t0 = Date.now();
  while (seen.length < n && Date.now() - t0 < 30_000) {
    const at = (await status().catch(() => undefined))?.balancer.lastReconcileAt;
    if (at && Date.parse(at) > since && !seen.includes(at)) seen.push(at);
    await sleep(100);
  }
  return seen;
}

const servers: http.Server[] = [];
async function up(host: string): Promise<void> {
  const s = http.createServer((_q, r) => r.end(`rs ${host}`));
  await new Promise<void>((r) => s.listen(80, host, () => r()));
  servers.push(s);
}

const daemon = new ScenarioDaemon(cli, () => save());
const logs = daemon.logs;
let logFrom = 0;
function start(): void {
  logFrom = logs.length;
  daemon.start(['-c', configFile]);
}
const stop = () => daemon.stop();
/** The daemon's log lines since it was started, parsed. */
const logLines = () =>
  logs
    .slice(logFrom)
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
async function logged(pred: (l: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<boolean> {
  for (const t0 = Date.now(); Date.now() - t0 < timeoutMs; await sleep(100)) if (logLines().some(pred)) return true;
  return false;
}

const C = 'checks: [{ kind: http, path: / }]';
const SERVICES: Record<string, string> = {
  web: `{ name: web, address: 10.0.0.1:80, scheduler: wrr, ${C}, realServers: [{ address: 127.0.0.2:80, weight: 3 }, { address: 127.0.0.3:80, weight: 2 }] }`,
  webDropped: `{ name: web, address: 10.0.0.1:80, scheduler: wrr, ${C}, realServers: [{ address: 127.0.0.2:80, weight: 3 }] }`,
  webRr: `{ name: web, address: 10.0.0.1:80, scheduler: rr, ${C}, realServers: [{ address: 127.0.0.2:80, weight: 3 }] }`,
  gone: `{ name: gone, address: 10.0.0.4:80, ${C}, realServers: [{ address: 127.0.0.2:80 }] }`,
  later: `{ name: later, address: 10.0.0.6:80, ${C}, realServers: [{ address: 127.0.0.2:80 }] }`,
  adopted: `{ name: adopted, address: 10.0.0.2:80, scheduler: wrr, ${C}, realServers: [{ address: 127.0.0.2:80 }] }`,
  oldadopt: `{ name: oldadopt, address: 10.0.0.5:80, ${C}, realServers: [{ address: 127.0.0.2:80 }] }`,
};
function writeConfig(balancer: string, services: string[]): void {
  writeFileSync(
    configFile,
    `global: { listen: 127.0.0.1:23001, startupSpread: 100ms, checkDefaults: { interval: 300ms, timeout: 800ms, retryInterval: 100ms, fall: 2, rise: 1 } }
balancer: { kind: ipvs, reconcileInterval: 1s, stateFile: ${ownedFile}, ${balancer} }
virtualServices:
${services.map((s) => `  - ${SERVICES[s]}`).join('\n')}
`,
  );
}
async function reload(): Promise<boolean> {
  const before = logLines().filter((l) => l.msg === 'config reloaded').length;
  daemon.signal('SIGHUP');
  return logged((l) => l.msg === 'config reloaded' && logLines().filter((x) => x.msg === 'config reloaded').length > before);
}

try {
  save();
  for (const h of ['127.0.0.2', '127.0.0.3']) await up(h);
  // There before rsguard: `adopted` with its own scheduler, persistence and an operator's real server; `oldadopt`, which a
  // reload drops from the config; 10.9.9.9, never in any config.
  ipvsadm('-A', '-t', '10.0.0.2:80', '-s', 'rr', '-p', '120');
  ipvsadm('-a', '-t', '10.0.0.2:80', '-r', '127.0.0.50:80', '-g', '-w', '5');
  ipvsadm('-A', '-t', '10.0.0.5:80', '-s', 'rr');
  ipvsadm('-a', '-t', '10.0.0.5:80', '-r', '127.0.0.51:80', '-g', '-w', '1');
  ipvsadm('-A', '-t', '10.9.9.9:80', '-s', 'rr');

  // Run 1: default foreignServers (keep), cleanStop off so that a restart finds its services.
  writeConfig('cleanStop: false', ['web', 'gone', 'later', 'adopted', 'oldadopt']);
  start();
  await until('initial', (t) =>
    has(t, '-a -t 10.0.0.1:80 -r 127.0.0.2:80 -g -w 3') && has(t, '-a -t 10.0.0.1:80 -r 127.0.0.3:80 -g -w 2') &&
    has(t, '-a -t 10.0.0.4:80 -r 127.0.0.2:80 -g -w 1') && has(t, '-a -t 10.0.0.6:80 -r 127.0.0.2:80 -g -w 1') &&
    has(t, '-a -t 10.0.0.2:80 -r 127.0.0.2:80 -g -w 1') && has(t, '-a -t 10.0.0.5:80 -r 127.0.0.2:80 -g -w 1'));
  let t = table();
  record('adopted-settings-kept', has(t, '-A -t 10.0.0.2:80 -s rr -p 120') && has(t, '-a -t 10.0.0.2:80 -r 127.0.0.50:80 -g -w 5'), t);

  // An operator adds a real server to a service rsguard created.
  const added = Date.now();
  ipvsadm('-a', '-t', '10.0.0.1:80', '-r', '127.0.0.60:80', '-g', '-w', '4');
  const rounds = await reconcilesAfter(added, 3);
  t = table();
  record('hand-added-kept', rounds.length === 3 && has(t, '-a -t 10.0.0.1:80 -r 127.0.0.60:80 -g -w 4'), `reconciles after the add: ${rounds.join(' ')}\n${t}`);
  const s = await status();
  const web = vsOf(s, 'web');
  const adopted = vsOf(s, 'adopted');
  record(
    'status-foreign',
    JSON.stringify(web?.foreign) === JSON.stringify([{ server: '127.0.0.60:80', forwarding: 'dr', weight: 4 }]) &&
      web?.adopted === false &&
      JSON.stringify(adopted?.foreign) === JSON.stringify([{ server: '127.0.0.50:80', forwarding: 'dr', weight: 5 }]) &&
      adopted?.adopted === true &&
      JSON.stringify(adopted?.leftAsFound) === JSON.stringify(['scheduler rr (config: wrr)', 'persistence 120 s (config: none)']),
    JSON.stringify(s.virtualServices.map((v) => ({ name: v.name, adopted: v.adopted, foreign: v.foreign, leftAsFound: v.leftAsFound }))),
  );
  const table1 = spawnSync(process.execPath, [cli, 'status', '--url', API, '--color', 'never'], { encoding: 'utf8' }).stdout;
  record('status-cli-foreign', /-> 127\.0\.0\.60:80\s+Route\s+4\s+foreign/.test(table1) && /\(adopted\).*found in the table, left as found: scheduler rr \(config: wrr\)/.test(table1), table1);
  const told = logLines().filter((l) => l.msg === 'balancer table differs from the config' && l.member === '127.0.0.60:80');
  record('foreign-logged-once', told.length === 1, JSON.stringify(told));

  // Reload: a real server, a created service and an adopted service leave the config.
  writeConfig('cleanStop: false', ['webDropped', 'later', 'adopted']);
  const reloaded = await reload();
  await until('reload-deletes-created', (t) => reloaded && !t.includes('10.0.0.4:80') && !t.includes('-r 127.0.0.3:80'));
  const rounds2 = await reconcilesAfter(Date.now(), 2);
  t = table();
  record(
    'reload-keeps-foreign-and-adopted',
    rounds2.length === 2 && has(t, '-a -t 10.0.0.1:80 -r 127.0.0.60:80 -g -w 4') && has(t, '-A -t 10.0.0.5:80 -s rr') && has(t, '-a -t 10.0.0.5:80 -r 127.0.0.51:80 -g -w 1') && has(t, '-A -t 10.9.9.9:80 -s rr') && has(t, '-A -t 10.0.0.6:80 -s wrr'),
    t,
  );

  // Restart: rsguard stops (cleanStop off: the table stays), the config drops `later` and gives `web` another scheduler.
  await stop();
  t = table();
  record('stop-without-clean-stop', has(t, '-A -t 10.0.0.6:80 -s wrr') && has(t, '-A -t 10.0.0.1:80 -s wrr'), `${t}\nrecord: ${readFileSync(ownedFile, 'utf8')}`);
  writeConfig('cleanStop: false', ['webRr', 'adopted']);
  start();
  await until('restart-deletes-created', (t) => !t.includes('10.0.0.6:80') && has(t, '-A -t 10.0.0.1:80 -s rr'));
  await reconcilesAfter(Date.now(), 2);
  t = table();
  record('restart-keeps-adopted', has(t, '-A -t 10.0.0.2:80 -s rr -p 120') && has(t, '-a -t 10.0.0.1:80 -r 127.0.0.60:80 -g -w 4') && has(t, '-a -t 10.0.0.2:80 -r 127.0.0.50:80 -g -w 5') && has(t, '-A -t 10.0.0.5:80 -s rr'), `${t}\nrecord: ${readFileSync(ownedFile, 'utf8')}`);

  // foreignServers: remove (and cleanStop on), taken on a reload: the config is the whole truth for the services it names.
  writeConfig('cleanStop: true, foreignServers: remove', ['webRr', 'adopted']);
  const reloaded2 = await reload();
  await until('remove-mode', (t) => reloaded2 && !t.includes('127.0.0.60') && !t.includes('127.0.0.50') && has(t, '-A -t 10.0.0.2:80 -s wrr') && has(t, '-a -t 10.0.0.2:80 -r 127.0.0.2:80 -g -w 1'));
  t = table();
  record('remove-mode-leaves-unconfigured', has(t, '-A -t 10.0.0.5:80 -s rr') && has(t, '-a -t 10.0.0.5:80 -r 127.0.0.51:80 -g -w 1') && has(t, '-A -t 10.9.9.9:80 -s rr'), t);
  await stop();
  t = table();
  const services = t.split('\n').filter((l) => l.startsWith('-A')).sort();
  record('clean-stop', JSON.stringify(services) === JSON.stringify(['-A -t 10.0.0.2:80 -s wrr', '-A -t 10.0.0.5:80 -s rr', '-A -t 10.9.9.9:80 -s rr']), `${t}\nrecord: ${readFileSync(ownedFile, 'utf8')}`);
} catch (err) {
  scenarioError = err instanceof Error ? (err.stack ?? err.message) : String(err);
  daemon.kill();
}
save();
for (const s of servers) {
  s.closeAllConnections();
  s.close();
}
