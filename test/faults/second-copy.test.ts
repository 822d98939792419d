import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { Haproxy } from '../helpers/haproxy.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { removeDir, testDir } from '../helpers/run-daemon.js';
import { recordFault } from './fault-rows.js';

const TOKEN = 'second-copy-token-0123456789';

/** Counts `set server` writes at HAProxy: each one a change of state (from HAProxy's own view, show servers state over time). */
describe('the same config started twice: the second copy is refused naming the first, and changes nothing', () => {
  const dirs: string[] = [];
  let live: Backend;
  let haproxy: Haproxy;
  let dir: string;
  before(async () => {
    dir = testDir('twice');
    dirs.push(dir);
    live = new Backend(await freePort(), 'live');
    await live.start();
    haproxy = new Haproxy(`backend web\n  server s0 127.0.0.1:${live.port}\n  server s1 127.0.0.1:${live.port}\n`, path.join(dir, 'admin.sock'));
    await haproxy.start();
  });
  after(async () => {
    await live.kill();
    await haproxy.close();
    dirs.forEach(removeDir);
  });

  const config = (name: string, stateFile: string) => {
    const file = path.join(dir, name);
    writeFileSync(
      file,
      `global: { listen: 127.0.0.1:0, apiToken: ${TOKEN}, startupSpread: 50ms, stateFile: ${stateFile}, checkDefaults: { interval: 300ms, timeout: 200ms, fall: 2, rise: 1 } }
balancer: { kind: haproxy, socket: ${haproxy.socket}, reconcileInterval: 300ms }
virtualServices:
  - { name: web, address: 127.0.0.1:1, haproxy: { backend: web }, checks: [{ kind: tcp }], realServers: [{ address: 127.0.0.1:${live.port}, haproxyServer: s0 }] }
`,
    );
    return file;
  };

  it('a second copy on another --listen is refused with the first one\'s pid; after the first is SIGKILLed its stale lock is taken over', async () => {
    const stateFile = path.join(dir, 'checks.json');
    const file = config('rsguard.yaml', stateFile);
    const first = new DaemonProcess(['run', '-c', file, '--listen', `127.0.0.1:${await freePort()}`]);
    await first.waitForLog('first started', (l) => l.msg === 'rsguard started');
    await haproxy.until('first drives s0', 'web', { s0: 'ready' });
    // The harm a second copy could do must be possible: the first one answers to drains.
    const second = new DaemonProcess(['run', '-c', file, '--listen', `127.0.0.1:${await freePort()}`]);
    const code = await second.waitExit();
    assert.equal(code, 1, 'the second copy exits 1');
    const err = second.stderr.join('');
    assert.match(err, new RegExp(`already driven by rsguard pid ${first.pid}`), err);
    assert.match(err, /HAProxy/, 'the refusal names what is locked');
    assert.equal(second.logs.some((l) => l.msg === 'rsguard started'), false);
    // The second copy changed nothing: no restart of states, HAProxy as the first left it.
    assert.deepEqual(await haproxy.summary('web', false), { s0: 'ready', s1: 'ready' });

    // Another config, same HAProxy socket: refused too (the target is the lock, not the file name).
    const other = config('other.yaml', path.join(dir, 'other-checks.json'));
    const third = new DaemonProcess(['run', '-c', other, '--listen', `127.0.0.1:${await freePort()}`]);
    assert.equal(await third.waitExit(), 1);
    assert.match(third.stderr.join(''), new RegExp(`pid ${first.pid}`));

    // A crash leaves the lock behind; the next start takes it over.
    first.signal('SIGKILL');
    await first.waitExit();
    const lockFiles = readFileSync(`${stateFile}.lock`, 'utf8');
    assert.match(lockFiles, new RegExp(`"pid":${first.pid}`), 'the dead holder\'s lock is still there');
    const after = new DaemonProcess(['run', '-c', file, '--listen', `127.0.0.1:${await freePort()}`]);
    try {
      await after.waitForLog('started over the stale lock', (l) => l.msg === 'rsguard started');
      await waitFor('lock now names the new holder', () => (readFileSync(`${stateFile}.lock`, 'utf8').includes(`"pid":${after.pid}`) ? true : undefined));
    } finally {
      assert.equal(await after.stop(), 0);
    }
    assert.throws(() => readFileSync(`${stateFile}.lock`), /ENOENT/, 'a clean stop removes its lock');
    recordFault({ fault: 'the same config started twice (another --listen), and over a crashed copy\'s lock', tried: 3, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: 'second copy refused naming the first pid; stale lock taken over' });
  });
});
