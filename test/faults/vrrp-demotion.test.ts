import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/ports.js';
import { removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { VrrpPair } from '../helpers/vrrp-pair.js';
import { recordFault } from './fault-rows.js';

/**
 * keepalived moves the VIPs away from a director whose rsguard is blind.
 * Two real keepalived in two namespaces; director 0 tracks this rsguard,
 * once through `rsguard health` as a vrrp_script and once through the
 * health file as a track_file. rsguard goes blind when its exec check's
 * script disappears (every check a check error); the VIP must move to
 * director 1, and come back when the script does.
 */
describe('keepalived demotes a director whose rsguard is blind', () => {
  let dir: string;
  let api: number;
  let script: string;
  let healthFile: string;
  let daemon: DaemonProcess;
  let pair: VrrpPair | undefined;

  const writeScript = () => {
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o755);
  };
  const moves = async (to: 0 | 1, what: string) => waitFor(what, () => (pair!.master() === to ? true : undefined), 30_000, 100);

  before(async () => {
    dir = testDir('demote');
    script = path.join(dir, 'check.sh');
    healthFile = path.join(dir, 'rsguard.health');
    writeScript();
    ({ daemon, api } = await runDaemon(
      dir,
      (port) => `global:
  listen: 127.0.0.1:${port}
  startupSpread: 50ms
  checkDefaults: { interval: 200ms, timeout: 1s, retryInterval: 100ms, fall: 2, rise: 1 }
  health: { maxBlindFraction: 0.5, file: ${healthFile}, fileWeight: 50 }
notify: { vrrpSpoolDir: ${path.join(dir, 'vrrp')} }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    checks: [{ kind: exec, command: [${script}] }]
    realServers: [{ address: 127.0.0.1:81 }, { address: 127.0.0.1:82 }]
`,
    ));
    await waitFor('health file', () => {
      try {
        return readFileSync(healthFile, 'utf8').trim() === '50' ? true : undefined;
      } catch {
        return undefined;
      }
    });
  });
  after(async () => {
    await pair?.close();
    await daemon?.stop();
    removeDir(dir);
  });

  const scenario = async (name: string, topLevel: string, track: string, priority0: number) => {
    pair = new VrrpPair(dir);
    pair.setup();
    try {
      pair.start(0, priority0, '', track, topLevel);
      pair.start(1, 100);
      await moves(0, `${name}: director 0 MASTER while rsguard is healthy`);
      rmSync(script);
      const t0 = Date.now();
      await moves(1, `${name}: the VIP moves to director 1 once rsguard is blind`);
      const movedMs = Date.now() - t0;
      writeScript();
      await moves(0, `${name}: the VIP comes back when rsguard sees again`).catch(async (err: Error) => {
        const h = spawnSync(process.execPath, [CLI, 'health', '--url', `http://127.0.0.1:${api}`], { encoding: 'utf8' });
        throw new Error(`${err.message}; rsguard health says: ${h.stdout.trim()} (exit ${h.status}); master now ${pair!.master()}; last logs: ${daemon.logs.slice(-5).map((l) => l.msg).join(' | ')}`);
      });
      return movedMs;
    } finally {
      await pair.close();
      pair = undefined;
    }
  };

  it('vrrp_script "rsguard health" (weight -100): the MASTER moves and comes back', async () => {
    // The script runs in keepalived's namespace; nsenter takes it to this one, where rsguard listens.
    const cmd = `/usr/bin/nsenter --net=/proc/${process.pid}/ns/net ${process.execPath} ${CLI} health -q --url http://127.0.0.1:${api}`;
    const ms = await scenario('vrrp_script', `vrrp_script rsguard_health {\n  script "${cmd}"\n  interval 1\n  timeout 3\n  fall 1\n  rise 1\n  weight -100\n}`, '  track_script {\n    rsguard_health\n  }', 150);
    process.stdout.write(`# vrrp_script: blind -> VIP moved in ${ms} ms\n`);
  });

  it('track_file (rsguard writes 50 while healthy, 0 when blind): the MASTER moves and comes back', async () => {
    const ms = await scenario('track_file', `vrrp_track_file rsguard_file {\n  file "${healthFile}"\n  weight 1\n}`, '  track_file {\n    rsguard_file\n  }', 90);
    process.stdout.write(`# track_file: blind -> VIP moved in ${ms} ms\n`);
    assert.equal(readFileSync(healthFile, 'utf8').trim(), '50');
    recordFault({ fault: 'rsguard blind on the MASTER director (keepalived vrrp_script and track_file)', tried: 2, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: 'VIP moved to the backup and back' });
  });

  it('a stopped rsguard zeroes its health file', async () => {
    await daemon.stop();
    assert.equal(readFileSync(healthFile, 'utf8').trim(), '0');
  });
});
