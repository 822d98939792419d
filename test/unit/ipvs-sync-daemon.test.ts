import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { CommandRunner } from '../../src/actuators/ipvs/command-runner.js';
import { parseDaemons, roleFor, syncCommands, type RunningDaemon, type SyncDaemonDef } from '../../src/actuators/ipvs/sync-daemon.js';
import { SyncDaemonKeeper } from '../../src/actuators/ipvs/sync-daemon-keeper.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { renderStatusTable } from '../../src/read/status-table.js';

const DEF: SyncDaemonDef = { interface: 'eth1', vrrpInstance: 'VI_1', syncId: 51 };
/** As the guest's ipvsadm 1.31 printed them. */
const MASTER = 'master sync daemon (mcast=eth1, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)';
const BACKUP = 'backup sync daemon (mcast=eth1, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)';
const parsed = (text: string) => parseDaemons(text) as RunningDaemon[];

describe('IPVS sync daemon: ipvsadm -L --daemon and what to run', () => {
  it('reads both daemons with their settings; an unknown line is an error, not an empty list', () => {
    assert.deepEqual(parsed(`${MASTER}\n`), [{ role: 'master', interface: 'eth1', syncId: 51, maxLen: 1472, group: '224.0.0.81', port: 8848, ttl: 1 }]);
    assert.deepEqual(parsed(''), []);
    assert.match(parseDaemons('garbage\n') as string, /unexpected line/);
  });
  it('MASTER runs master, BACKUP and FAULT backup, STOP nothing; notify-only states keep the role', () => {
    assert.equal(roleFor('MASTER', 'backup'), 'master');
    assert.equal(roleFor('BACKUP', 'master'), 'backup');
    assert.equal(roleFor('FAULT', 'master'), 'backup');
    assert.equal(roleFor('STOP', 'master'), 'stopped');
    assert.equal(roleFor('MASTER_RX_LOWER_PRI', 'master'), 'master');
  });
  it('no transition yet: a matching daemon keeps its role (rsguard restarted on the master), else backup', () => {
    assert.equal(roleFor(undefined, 'backup', parsed(MASTER), DEF), 'master');
    assert.equal(roleFor(undefined, 'backup', parsed(MASTER.replace('syncid=51', 'syncid=9')), DEF), 'backup');
    assert.equal(roleFor(undefined, 'backup', [], DEF), 'backup');
  });
  it('commands: the other role stopped before this one starts; other settings restart it; nothing when it matches', () => {
    assert.deepEqual(syncCommands(parsed(BACKUP), 'master', DEF), [['--stop-daemon', 'backup'], ['--start-daemon', 'master', '--mcast-interface', 'eth1', '--syncid', '51']]);
    assert.deepEqual(syncCommands(parsed(MASTER), 'master', DEF), []);
    assert.deepEqual(syncCommands(parsed(MASTER), 'master', { ...DEF, port: 8849, maxLen: 1400, ttl: 2, group: '224.0.0.99' }), [
      ['--stop-daemon', 'master'],
      ['--start-daemon', 'master', '--mcast-interface', 'eth1', '--syncid', '51', '--sync-maxlen', '1400', '--mcast-port', '8849', '--mcast-ttl', '2', '--mcast-group', '224.0.0.99'],
    ]);
    assert.deepEqual(syncCommands(parsed(`${MASTER}\n${BACKUP}`), 'stopped', DEF), [['--stop-daemon', 'master'], ['--stop-daemon', 'backup']]);
  });
});

/** A kernel of two daemon slots behind an ipvsadm that answers as the real one did in the guest. */
function fakeIpvsadm(): CommandRunner & { slots: Map<string, string>; calls: string[] } {
  const slots = new Map<string, string>();
  const calls: string[] = [];
  return {
    bin: 'ipvsadm',
    slots,
    calls,
    async run(args) {
      calls.push(args.join(' '));
      if (args[0] === '-L') return { code: 0, stdout: [...slots.values()].map((l) => `${l}\n`).join(''), stderr: '' };
      const role = args[1]!;
      if (args[0] === '--stop-daemon') return slots.delete(role) ? { code: 0, stdout: '', stderr: '' } : { code: 255, stdout: '', stderr: 'No daemon is running' };
      if (slots.has(role)) return { code: 255, stdout: '', stderr: 'Daemon has already run' };
      slots.set(role, `${role} sync daemon (mcast=${args[3]}, syncid=${args[5]}, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)`);
      return { code: 0, stdout: '', stderr: '' };
    },
  };
}
const settle = () => new Promise((r) => setTimeout(r, 20));
const t = (state: string, name = 'VI_1') => ({ kind: 'INSTANCE' as const, name, state: state as 'MASTER', priority: 100, at: 0 });

describe('IPVS sync daemon keeper: follows the instance transitions', () => {
  it('backup at start, master on MASTER, backup on FAULT, left running on rsguard stop; another instance is ignored', async () => {
    const ipvsadm = fakeIpvsadm();
    const k = new SyncDaemonKeeper(ipvsadm, DEF, 0, pino({ level: 'silent' }), () => 0);
    k.start();
    await settle();
    assert.deepEqual([...ipvsadm.slots.keys()], ['backup']);
    k.onVrrp(t('MASTER'));
    await settle();
    assert.deepEqual([...ipvsadm.slots.keys()], ['master']);
    assert.equal(k.status()!.want, 'master');
    k.onVrrp(t('BACKUP', 'VI_2'));
    await settle();
    assert.deepEqual([...ipvsadm.slots.keys()], ['master']);
    k.onVrrp(t('FAULT'));
    await settle();
    assert.deepEqual([...ipvsadm.slots.keys()], ['backup']);
    assert.deepEqual(k.status()!.running.map((d) => d.role), ['backup']);
    const metrics = new Metrics();
    metrics.attachSyncDaemon(() => k.status());
    const text = await metrics.registry.metrics();
    assert.match(text, /^rsguard_ipvs_sync_daemon_running\{role="backup"\} 1$/m);
    assert.match(text, /^rsguard_ipvs_sync_daemon_running\{role="master"\} 0$/m);
    assert.match(text, /^rsguard_ipvs_sync_daemon_ok 1$/m);
    const table = renderStatusTable({ generatedAt: '', source: 'x', balancer: { kind: 'ipvs', ok: true, lastError: null, lastReconcileAt: null, problems: [] }, virtualServices: [], vrrp: [], ipvsSyncDaemon: k.status() } as never);
    assert.match(table, /IPVS sync daemon: follows VI_1 \(FAULT\), wants backup; running: backup \(syncid 51, eth1\)/);
    await k.stop();
    assert.deepEqual([...ipvsadm.slots.keys()], ['backup'], 'rsguard stopping moves no VIP: the daemon runs on');
  });
  it('restarted on the master: the master daemon left running by the last stop keeps its role until a transition', async () => {
    const ipvsadm = fakeIpvsadm();
    const first = new SyncDaemonKeeper(ipvsadm, DEF, 0, pino({ level: 'silent' }), () => 0);
    first.start();
    first.onVrrp(t('MASTER'));
    await settle();
    assert.deepEqual([...ipvsadm.slots.keys()], ['master']);
    await first.stop();
    assert.deepEqual([...ipvsadm.slots.keys()], ['master'], 'still sending while rsguard is down');
    const calls = ipvsadm.calls.length;
    const second = new SyncDaemonKeeper(ipvsadm, DEF, 0, pino({ level: 'silent' }), () => 0);
    second.start();
    await settle();
    assert.deepEqual([...ipvsadm.slots.keys()], ['master'], 'not turned into a backup by the restart');
    assert.equal(second.status()!.want, 'master');
    assert.deepEqual(ipvsadm.calls.slice(calls).filter((c) => !c.startsWith('-L')), [], 'no start or stop');
    second.onVrrp(t('BACKUP'));
    await settle();
    assert.deepEqual([...ipvsadm.slots.keys()], ['backup'], 'the next transition still moves it');
    await second.stop();
  });
  it('a failed start is shown in status with ipvsadm words, and cleared once the daemon runs', async () => {
    const ipvsadm = fakeIpvsadm();
    const real = ipvsadm.run.bind(ipvsadm);
    let refuse = true;
    ipvsadm.run = async (args) => (refuse && args[0] === '--start-daemon' ? { code: 255, stdout: '', stderr: 'No such device' } : real(args));
    const k = new SyncDaemonKeeper(ipvsadm, DEF, 0, pino({ level: 'silent' }), () => 0);
    k.start();
    await settle();
    assert.match(k.status()!.error!, /--start-daemon backup .*: No such device/);
    refuse = false;
    k.onVrrp(t('BACKUP'));
    await settle();
    assert.equal(k.status()!.error, null);
    await k.stop();
  });
  it('a reload with another id restarts the daemon in its role; a reload without syncDaemon stops what rsguard ran', async () => {
    const ipvsadm = fakeIpvsadm();
    const k = new SyncDaemonKeeper(ipvsadm, DEF, 0, pino({ level: 'silent' }), () => 0);
    k.start();
    k.onVrrp(t('MASTER'));
    await settle();
    assert.match(ipvsadm.slots.get('master')!, /syncid=51/);
    k.reconfigure({ ...DEF, syncId: 52 }, 0);
    await settle();
    assert.deepEqual([...ipvsadm.slots.keys()], ['master']);
    assert.match(ipvsadm.slots.get('master')!, /syncid=52/);
    k.reconfigure(undefined, 0);
    await settle();
    assert.deepEqual([...ipvsadm.slots.keys()], []);
    assert.equal(k.status(), null);
    await k.stop();
  });
});
