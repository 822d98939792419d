// Runs inside the IPVS guest (see test/integration/ipvs-options-vm.test.ts):
// the IPVS options keepalived applies (ops, scheduler flags, thresholds,
// lvs_timeouts) set by rsguard, read back with ipvsadm, repaired after a
// hand edit, left alone on an adopted service; keepalived 2.2.7 and rsguard
// on the same keepalived.conf give the same table; the sync daemon through
// MASTER, BACKUP, FAULT and back. Writes results.json after every step.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScenarioDaemon } from './scenario-daemon.js';

const out = process.argv[2]!;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(root, 'dist/src/cli.js');
const results: Record<string, { ok: boolean; detail: string }> = {};
let scenarioError: string | null = null;
const save = () => writeFileSync(path.join(out, 'results.json'), JSON.stringify({ results, daemonExit: daemon.exit, scenarioError, logs: logs.join('').slice(-200_000) }, null, 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ipvsadm = (...args: string[]) => execFileSync('ipvsadm', args, { encoding: 'utf8' });
const saved = () => ipvsadm('-Sn');
const thresholds = () => ipvsadm('-Ln', '--thresholds');
const timeouts = () => ipvsadm('-L', '--timeout').trim();
const daemons = () => ipvsadm('-L', '--daemon').trim();
const has = (t: string, line: string) => t.split('\n').includes(line);
const API = 'http://127.0.0.1:23011';
const TOKEN = 'ipvs-options-scenario-token';
const dir = '/run/rsg';
mkdirSync(dir, { recursive: true });
const tokenFile = path.join(dir, 'token');
writeFileSync(tokenFile, TOKEN);

const record = (step: string, ok: boolean, detail: string) => {
  results[step] = { ok, detail };
  save();
  return ok;
};
async function until(step: string, read: () => string, pred: (t: string) => boolean, timeoutMs = 30_000): Promise<boolean> {
  const t0 = Date.now();
  for (;;) {
    const t = read();
    if (pred(t)) return record(step, true, `after ${Date.now() - t0} ms\n${t}`);
    if (Date.now() - t0 > timeoutMs) return record(step, false, t);
    await sleep(100);
  }
}
/** A row of `ipvsadm -Ln --thresholds`: `-> 127.0.0.2:53  100  50`. */
const thr = (t: string, dest: string, u: number, l: number) => new RegExp(`->\\s+${dest.replace(/[.[\]]/g, '\\$&')}\\s+${u}\\s+${l}\\s`).test(t);

const daemon = new ScenarioDaemon(cli, () => save());
const logs = daemon.logs;
const start = (config: string, format?: string) => daemon.start(['-c', config, '--listen', '127.0.0.1:23011', '--token-file', tokenFile, ...(format ? ['--format', format, '--config-id', 'x'] : [])]);
const stop = () => daemon.stop();
async function reload(): Promise<void> {
  const before = logs.join('').split('config reloaded').length;
  daemon.signal('SIGHUP');
  for (const t0 = Date.now(); Date.now() - t0 < 20_000; await sleep(100)) if (logs.join('').split('config reloaded').length > before) return;
}
/** keepalived's notify script, as keepalived calls it: `rsguard notify INSTANCE VI_1 MASTER 100`. */
const notify = (state: string) => spawnSync(process.execPath, [cli, 'notify', '--url', API, '--token-file', tokenFile, '--spool', path.join(dir, 'spool'), 'INSTANCE', 'VI_1', state, '100'], { encoding: 'utf8' });
/** keepalived's notify_fifo line for the instance (vrrp_notify.c), written as keepalived writes it. */
const fifo = (state: string) => spawnSync('sh', ['-c', `printf 'INSTANCE "VI_1" ${state} 100\\n' > ${dir}/notify.fifo`], { encoding: 'utf8', timeout: 10_000 });
const status = async () => (await fetch(`${API}/api/status`)).json() as Promise<{ ipvsSyncDaemon?: { want: string; vrrpState: string | null; running: Array<{ role: string; syncId: number }>; error: string | null }; virtualServices: Array<{ name: string; adopted: boolean; leftAsFound: string[] }> }>;

const C = 'checks: []';
const yamlConfig = (dnsFlags: string) => `global: { listen: 127.0.0.1:23011, startupSpread: 100ms, apiTokenFile: ${tokenFile}, checkDefaults: { interval: 300ms, timeout: 800ms } }
balancer: { kind: ipvs, reconcileInterval: 1s, stateFile: ${dir}/owned.json, timeouts: { tcp: 2h, udp: 60s }, syncDaemon: { interface: lo, vrrpInstance: VI_1 } }
notify: { vrrpSpoolDir: ${dir}/spool, keepalivedFifo: ${dir}/notify.fifo }
vrrp: { instances: [{ name: VI_1, virtualRouterId: 51 }] }
virtualServices:
  - { name: dns, address: 10.0.0.1:53, protocol: udp, scheduler: sh, forwarding: dr, ipvs: { onePacket: true, schedulerFlags: [${dnsFlags}] }, ${C},
      realServers: [{ address: 127.0.0.2:53, ipvs: { upperThreshold: 100, lowerThreshold: 50 } }, { address: 127.0.0.3:53, weight: 2 }] }
  - { name: mh, address: 10.0.0.2:80, scheduler: mh, forwarding: dr, ipvs: { schedulerFlags: [mh-port] }, ${C}, realServers: [{ address: 127.0.0.2:80 }] }
  - { name: mark, fwmark: 7, scheduler: rr, forwarding: dr, ipvs: { onePacket: true }, ${C}, realServers: [{ address: 127.0.0.2:80 }] }
  - { name: adopted, address: 10.0.0.5:53, protocol: udp, scheduler: sh, forwarding: dr, ipvs: { onePacket: true, schedulerFlags: [sh-port] }, ${C}, realServers: [{ address: 127.0.0.2:53 }] }
`;

const KA = `global_defs {
  lvs_timeouts tcp 7200 tcpfin 30 udp 60
}
virtual_server 10.0.0.21 53 {
  protocol UDP
  lb_algo sh
  lb_kind DR
  ops
  sh-port
  sh-fallback
  real_server 127.0.0.2 53 {
    uthreshold 100
    lthreshold 50
  }
  real_server 127.0.0.3 53 {
    weight 2
  }
}
virtual_server 10.0.0.22 80 {
  protocol TCP
  lb_kind DR
  mh-port
  lb_algo mh
  mh-fallback
  real_server 127.0.0.2 80 {
    uthreshold 10
  }
}
virtual_server 10.0.0.23 80 {
  protocol TCP
  lb_algo sh
  lb_kind DR
  ops
  mh-port
  flag-3
  real_server 127.0.0.2 80 {
  }
}
virtual_server fwmark 7 {
  lb_algo wrr
  lb_kind DR
  ops
  real_server 127.0.0.2 {
  }
}
`;

try {
  save();
  for (const d of ['/var/lib', '/var/log']) execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', d]);
  mkdirSync('/var/lib/rsguard', { recursive: true });

  // --- keepalived 2.2.7 and rsguard on the same keepalived.conf: the same services, flags, thresholds and timeouts.
  const kaFile = path.join(dir, 'keepalived.conf');
  writeFileSync(kaFile, KA);
  const ka = spawn('keepalived', ['-n', '-l', '-D', '-C', '-f', kaFile, '-p', '/run/ka.pid', '-c', '/run/ka-check.pid', '-r', '/run/ka-vrrp.pid'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const kaLog: string[] = [];
  ka.stdout!.on('data', (b: Buffer) => kaLog.push(b.toString()));
  ka.stderr!.on('data', (b: Buffer) => kaLog.push(b.toString()));
  await until('keepalived-applied', saved, (t) => (t.match(/^-a /gm) ?? []).length === 5 && timeouts().includes('7200 30 60'));
  const kaTable = { saved: saved(), thresholds: thresholds(), timeouts: timeouts() };
  ka.kill('SIGTERM');
  await new Promise((r) => (ka.exitCode === null ? ka.once('exit', r) : r(null)));
  record('keepalived-log', true, kaLog.join('').split('\n').filter((l) => /ops|sh-port|mh-port|flag|threshold|lvs_timeout|only applies|resetting/i.test(l)).join('\n'));
  ipvsadm('-C');
  ipvsadm('--set', '900', '120', '300');
  start(kaFile, 'keepalived');
  await until('rsguard-applied-keepalived-conf', saved, (t) => (t.match(/^-a /gm) ?? []).length === 5 && timeouts().includes('7200 30 60'));
  await sleep(1500);
  const rsTable = { saved: saved(), thresholds: thresholds(), timeouts: timeouts() };
  const sorted = (t: string) => t.split('\n').filter(Boolean).sort().join('\n');
  record('differential-saved', sorted(kaTable.saved) === sorted(rsTable.saved), `keepalived:\n${kaTable.saved}\nrsguard:\n${rsTable.saved}`);
  const thrRows = (t: string) => sorted(t.split('\n').filter((l) => /->\s+\d/.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 4).join(' ')).join('\n'));
  record('differential-thresholds', thrRows(kaTable.thresholds) === thrRows(rsTable.thresholds) && thrRows(rsTable.thresholds).includes('127.0.0.2:53 100 50'), `keepalived:\n${kaTable.thresholds}\nrsguard:\n${rsTable.thresholds}`);
  record('differential-timeouts', kaTable.timeouts === rsTable.timeouts, `keepalived: ${kaTable.timeouts}\nrsguard: ${rsTable.timeouts}`);
  // The repair (every 10 s for an imported keepalived.conf) must find nothing to edit: flag-3 under sh, which ipvsadm
  // prints as an empty -b, once made it edit the service at every round.
  const from = logs.join('').length;
  const since = Date.now();
  await sleep(21_000);
  const churn = logs.join('').slice(from).split('\n').filter((l) => /"command":"ipvsadm -[EeAa] /.test(l));
  const lastRepair = ((await (await fetch(`${API}/api/status`)).json()) as { balancer: { lastReconcileAt: string | null } }).balancer.lastReconcileAt;
  record('no-edit-churn', churn.length === 0 && lastRepair !== null && Date.parse(lastRepair) > since, `last repair ${lastRepair}; ${churn.length} edits in two repair rounds:\n${churn.join('\n')}`);
  await stop();
  ipvsadm('-C');
  ipvsadm('--set', '900', '120', '300');

  // --- YAML: options applied, read back, repaired; an adopted service keeps its own.
  ipvsadm('-A', '-u', '10.0.0.5:53', '-s', 'sh', '-b', 'sh-fallback');
  const config = path.join(dir, 'rsguard.yaml');
  writeFileSync(config, yamlConfig('sh-port, sh-fallback'));
  start(config);
  await until('options-applied', saved, (t) =>
    has(t, '-A -u 10.0.0.1:53 -s sh -o -b sh-fallback,sh-port') && has(t, '-a -u 10.0.0.1:53 -r 127.0.0.2:53 -g -w 1') && has(t, '-a -u 10.0.0.1:53 -r 127.0.0.3:53 -g -w 2') &&
    has(t, '-A -t 10.0.0.2:80 -s mh -b mh-port') && has(t, '-A -f 7 -s rr -o') && has(t, '-a -u 10.0.0.5:53 -r 127.0.0.2:53 -g -w 1'));
  await until('thresholds-applied', thresholds, (t) => thr(t, '127.0.0.2:53', 100, 50) && thr(t, '127.0.0.3:53', 0, 0));
  await until('timeouts-applied', timeouts, (t) => t === 'Timeout (tcp tcpfin udp): 7200 120 60');
  let t = saved();
  record('adopted-options-left', has(t, '-A -u 10.0.0.5:53 -s sh -b sh-fallback'), t);
  const s = await status();
  const adopted = s.virtualServices.find((v) => v.name === 'adopted');
  record('adopted-options-in-status', adopted?.adopted === true && JSON.stringify(adopted.leftAsFound) === JSON.stringify(['scheduler flags sh-fallback (config: sh-port)', 'one-packet scheduling off (config: on)']), JSON.stringify(adopted));

  // Changed by hand: flags and -o cleared, a threshold moved, a timeout reset; each read back at once (the repair runs
  // every second), then all put back.
  const edits: Array<[string[], () => boolean]> = [
    [['-E', '-u', '10.0.0.1:53', '-s', 'sh'], () => has(saved(), '-A -u 10.0.0.1:53 -s sh')],
    [['-e', '-u', '10.0.0.1:53', '-r', '127.0.0.2:53', '-g', '-w', '1', '-x', '5'], () => thr(thresholds(), '127.0.0.2:53', 5, 0)],
    [['--set', '900', '0', '300'], () => timeouts().includes('900 120 300')],
  ];
  const seen = edits.map(([args, check]) => {
    ipvsadm(...args);
    return `${args.join(' ')}: ${check() ? 'seen in the table' : 'NOT seen (repaired before it was read?)'}`;
  });
  await until('drift-repaired', () => `${saved()}\n${thresholds()}\n${timeouts()}`, (x) => has(x, '-A -u 10.0.0.1:53 -s sh -o -b sh-fallback,sh-port') && thr(x, '127.0.0.2:53', 100, 50) && x.includes('7200 120 60'));
  results['drift-repaired']!.detail = `hand edits:\n${seen.join('\n')}\n---\n${results['drift-repaired']!.detail}`;
  record('drift-seen', seen.every((l) => l.endsWith('seen in the table')), seen.join('\n'));

  // A reload drops a flag: one -E.
  writeFileSync(config, yamlConfig('sh-port'));
  await reload();
  await until('reload-flag-change', saved, (x) => has(x, '-A -u 10.0.0.1:53 -s sh -o -b sh-port'));

  // --- Sync daemon: backup before any transition, then following VI_1.
  // maxlen is the kernel's, from the interface MTU (65507 on lo).
  const line = (role: string) => new RegExp(`^${role} sync daemon \\(mcast=lo, syncid=51, maxlen=\\d+, group=224\\.0\\.0\\.81, port=8848, ttl=1\\)$`);
  await until('syncd-initial-backup', daemons, (x) => line('backup').test(x));
  // Through both ways keepalived reports a transition: its notify script (rsguard notify) and its notify_fifo.
  const steps: Array<[string, string, 'notify' | 'fifo']> = [['MASTER', 'master', 'notify'], ['BACKUP', 'backup', 'fifo'], ['MASTER', 'master', 'fifo'], ['FAULT', 'backup', 'notify'], ['MASTER', 'master', 'notify']];
  for (const [i, [state, role, via]] of steps.entries()) {
    const r = via === 'notify' ? notify(state) : fifo(state);
    const t0 = Date.now();
    const ok = await until(`syncd-${i}-${state}`, daemons, (x) => line(role).test(x));
    results[`syncd-${i}-${state}`]!.detail += `\n${via} exit ${r.status} ${r.stderr.trim()} (${Date.now() - t0} ms to the daemon)`;
    if (!ok) break;
    // The status's `running` is the keeper's own read after its commands, a moment after the kernel changed: polled, bounded.
    let st = (await status()).ipvsSyncDaemon;
    const fits = () => st?.vrrpState === state && st.want === role && st.running.length === 1 && st.running[0]!.role === role && st.error === null;
    for (const s0 = Date.now(); !fits() && Date.now() - s0 < 5000; await sleep(50)) st = (await status()).ipvsSyncDaemon;
    record(`syncd-${i}-${state}-status`, fits(), JSON.stringify(st));
  }
  // Stopped by hand: the repair starts it again.
  const byHand = spawnSync('ipvsadm', ['--stop-daemon', 'master'], { encoding: 'utf8' });
  const gone = byHand.status === 0 && daemons() === '';
  await until('syncd-repaired', daemons, (x) => gone && line('master').test(x));
  results['syncd-repaired']!.detail += `\nstopped by hand: exit ${byHand.status} ${byHand.stderr.trim()}`;
  await stop();
  record('syncd-left-running-by-stop', line('master').test(daemons()), daemons());
  t = saved();
  record('clean-stop-leaves-adopted', !t.includes('10.0.0.1:53') && has(t, '-A -u 10.0.0.5:53 -s sh -b sh-fallback'), t);
  // Restarted on the master, no transition yet (keepalived sends none: nothing changed for it): the master daemon is
  // adopted, not replaced by a backup (both directors would then receive and none send).
  start(config);
  let restarted = '';
  for (const s0 = Date.now(); Date.now() - s0 < 30_000 && !/"lastCheckedAt":"/.test(restarted); await sleep(200)) {
    restarted = await status().then((x) => JSON.stringify(x.ipvsSyncDaemon), (err: Error) => `not answering: ${err.message}`);
  }
  record('syncd-restart-status', restarted.includes('"want":"master"') && restarted.includes('"running":[{"role":"master"'), restarted);
  record('syncd-restart-keeps-master', line('master').test(daemons()), daemons());
  await stop();
} catch (err) {
  scenarioError = err instanceof Error ? (err.stack ?? err.message) : String(err);
  daemon.kill();
}
save();
