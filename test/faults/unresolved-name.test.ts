import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultStateFile } from '../../src/scheduler/file-state-store.js';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { recordFault } from './fault-rows.js';

/**
 * One real server of an ldirectord.cf given by a name that does not resolve
 * (issue 22, item 7): ldirectord refuses the whole file, and rsguard used to
 * exit 1 after the resolver's timeout. Now the director starts with the other
 * server, logs the name at error once, asks it again every 10 s, and adds the
 * server (logged with its address) when the name resolves.
 *
 * The name is under `.invalid` (RFC 2606): resolvers answer NXDOMAIN at once,
 * without leaving the machine. To make it resolve, the daemon runs in its own
 * mount namespace (unshare -m) with a copy of /etc/hosts bind-mounted over
 * /etc/hosts; the test appends the name to that copy. The real /etc/hosts is
 * never written. Skipped where unshare -m is not allowed (not root).
 */
const NAME = 'web9.rsguard-fault.invalid';
const canUnshare = spawnSync('unshare', ['-m', 'true']).status === 0;

interface Status {
  virtualServices: Array<{ realServers: Array<{ address: string; port: number; state: string; inPool: boolean; lastCheck: unknown }> }>;
}

describe('a real server name that does not resolve (ldirectord.cf)', { skip: canUnshare ? false : 'unshare -m not allowed here (needs root)' }, () => {
  let dir: string;
  let hosts: string;
  let file: string;
  let known: Backend;
  let named: Backend;
  let daemon: DaemonProcess;
  let api: number;
  let startMs = 0;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-unresolved-'));
    hosts = path.join(dir, 'hosts');
    writeFileSync(hosts, readFileSync('/etc/hosts'));
    known = new Backend(await freePort(), 'known');
    named = new Backend(await freePort(), 'named');
    await known.start();
    await named.start();
    api = await freePort();
    file = path.join(dir, 'ldirectord.cf');
    writeFileSync(file, `checktimeout=1\ncheckinterval=1\nvirtual=192.0.2.80:80\n\treal=${NAME}:${named.port} masq\n\treal=127.0.0.1:${known.port} masq\n\tchecktype=connect\n`);
    const began = Date.now();
    daemon = new DaemonProcess(['run', '-c', file, '--listen', `127.0.0.1:${api}`, '--dry-run'], ['unshare', '-m', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hosts]);
    await daemon.waitForLog('start', (l) => l.msg === 'rsguard started', 20_000);
    startMs = Date.now() - began;
  });
  after(async () => {
    await daemon?.stop();
    await known?.kill();
    await named?.kill();
    const state = defaultStateFile(file);
    rmSync(state, { force: true });
    rmSync(`${state}.lock`, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  const status = async () => (await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()) as Status;
  const errorsFor = () => daemon.logs.filter((l) => l.level >= 50 && l.msg === 'host name does not resolve: its servers are left out until it does' && l.name === NAME);

  it('starts with the other server, logs the name once, and adds its server with its address when the name resolves', async () => {
    // The loopback server is checked and in the pool; the unresolved one is not a server at all yet (no verdict on it).
    const up = await waitFor('the loopback server up', async () => {
      const s = await status();
      const rs = s.virtualServices[0]!.realServers;
      return rs.length === 1 && rs[0]!.state === 'up' && rs[0]!.lastCheck !== null ? rs : undefined;
    });
    assert.equal(up[0]!.port, known.port);
    assert.equal(errorsFor().length, 1);
    const tolerated = daemon.logs.find((l) => l.msg === 'config directive accepted but ignored' && String(l.warning).includes(NAME));
    assert.match(String(tolerated?.warning), /ldirectord\.cf:4: real: invalid address \(web9\.rsguard-fault\.invalid\) for real server \(could not resolve host: ENOTFOUND\)/);
    // Two retries go by (every 10 s) with the name still unresolved: no new error, nothing moved.
    await new Promise((r) => setTimeout(r, 21_000));
    assert.equal(errorsFor().length, 1, 'logged once, not at every retry');
    assert.equal(daemon.logs.filter((l) => l.msg === 'server added: its name resolves now').length, 0);

    const mark = daemon.mark();
    const fixedAt = Date.now();
    appendFileSync(hosts, `127.0.0.1 ${NAME}\n`);
    const added = await daemon.waitForLog('server added', (l) => l.msg === 'server added: its name resolves now', 15_000, mark);
    const addedMs = Date.now() - fixedAt;
    assert.equal(added.to, `127.0.0.1:${named.port}`);
    const resolved = await daemon.waitForLog('name resolves', (l) => l.msg === 'host name resolves now' && l.name === NAME, 1000, mark);
    assert.equal(resolved.level, 30);
    assert.deepEqual(resolved.addresses, ['127.0.0.1']);
    const both = await waitFor('both servers up', async () => {
      const rs = (await status()).virtualServices[0]!.realServers;
      return rs.length === 2 && rs.every((r) => r.state === 'up' && r.lastCheck !== null) ? rs : undefined;
    });
    assert.deepEqual(both.map((r) => r.port).sort(), [known.port, named.port].sort());
    assert.equal(errorsFor().length, 1);
    // The loopback server never left the pool while the other name was missing and then added.
    const downs = daemon.logs.filter((l) => l.msg === 'real server state changed' && l.to === 'down');
    assert.deepEqual(downs, []);
    recordFault({
      fault: 'a real server name that does not resolve (ldirectord.cf, NXDOMAIN), then resolves',
      tried: 1,
      transitionsLost: 0,
      mailsLost: 0,
      mailsDuplicated: 0,
      poolFlaps: downs.length,
      crashes: 0,
      note: `started with the other server in ${(startMs / 1000).toFixed(1)} s; one error log over 2 retries; server added ${(addedMs / 1000).toFixed(1)} s after the name resolved (retry every 10 s)`,
    });
  });
});
