import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { Haproxy } from '../helpers/haproxy.js';
import { freePort } from '../helpers/ports.js';

/**
 * keepalived's dynamic weights, end to end into a real HAProxy: MISC_CHECK
 * misc_dynamic (exit 2-255 is up with weight exit - 2; exit 1 is down) and
 * FILE_CHECK (the file's value times its weight is added to the weight).
 */
describe('dynamic weights from checks (misc_dynamic, FILE_CHECK) reach a real HAProxy', () => {
  let dir: string;
  let haproxy: Haproxy;
  let daemon: DaemonProcess;
  let codeFile: string;
  let valueFile: string;
  const until = (what: string, want: Record<string, string>) => haproxy.until(what, 'web', want);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-dynw-'));
    codeFile = path.join(dir, 'code');
    valueFile = path.join(dir, 'value');
    writeFileSync(codeFile, '0');
    writeFileSync(valueFile, '0');
    const [p1, p2] = [await freePort(), await freePort()];
    haproxy = new Haproxy(`backend web\n  server s1 127.0.0.1:${p1} weight 5\n  server s2 127.0.0.1:${p2} weight 5\n`);
    await haproxy.start();
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(
      file,
      `global:
  listen: 127.0.0.1:${await freePort()}
  startupSpread: 50ms
  stateFile: false
  checkDefaults: { interval: 200ms, timeout: 2s, retryInterval: 200ms, fall: 1, rise: 1 }
balancer: { kind: haproxy, socket: ${haproxy.socket}, reconcileInterval: 1s }
virtualServices:
  - name: web
    address: 192.0.2.1:80
    haproxy: { backend: web }
    realServers:
      - address: 127.0.0.1:${p1}
        weight: 5
        haproxyServer: s1
        checks: [{ kind: exec, command: [/bin/sh, -c, 'exit $(cat ${codeFile})'], appendTarget: false, dynamicWeight: true }]
      - address: 127.0.0.1:${p2}
        weight: 5
        haproxyServer: s2
        checks: [{ kind: file, path: ${valueFile}, weight: 2 }]
`,
    );
    daemon = new DaemonProcess(['run', '-c', file]);
    await daemon.waitForLog('start', (l) => l.msg === 'rsguard started');
  });
  after(async () => {
    await daemon?.stop();
    await haproxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exit 0 and a file holding 0 keep the configured weights', async () => {
    await until('configured weights', { s1: 'ready/5', s2: 'ready/5' });
  });
  it('misc_dynamic: exit 12 is up with weight 10; the file holding 3 (times 2) adds 6', async () => {
    writeFileSync(codeFile, '12');
    writeFileSync(valueFile, '3\n');
    await until('dynamic weights', { s1: 'ready/10', s2: 'ready/11' });
    const logged = daemon.logs.filter((l) => l.msg === 'real server weight set by its check').map((l) => l.weight);
    assert.ok(logged.includes(10) && logged.includes(11), `logged weights ${JSON.stringify(logged)}`);
  });
  it('exit 1 is down (maint); a negative value brings the weight to 0, which HAProxy gets as drain (kept, no new traffic)', async () => {
    writeFileSync(codeFile, '1');
    writeFileSync(valueFile, '-10');
    await until('s1 down, s2 weight 0', { s1: 'maint/10', s2: 'drain/11' });
  });
});
