import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildShim, keepalivedConfig, startKeepalived } from '../../bench/keepalived-peer.js';
import { startNginxFarm, type Farm } from '../../bench/nginx-farm.js';
import { freePort } from '../helpers/ports.js';

const hasTools = ['keepalived', 'gcc'].every((t) => spawnSync(t, ['--version']).status === 0) && process.getuid?.() === 0;
const noIpvs = !existsSync('/proc/net/ip_vs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** keepalived -C on `conf` for `ms`, with the shim (and its trace) or without: its console log, and whether it was still running. */
async function runKeepalived(conf: string, dir: string, ms: number, shim: string | undefined): Promise<{ log: string; ranThrough: boolean }> {
  const args = ['-C', '-n', '-l', '-G', '-f', conf, '-p', path.join(dir, 'k.pid'), '-c', path.join(dir, 'c.pid'), '-r', path.join(dir, 'v.pid')];
  const env = shim ? { ...process.env, LD_PRELOAD: shim, RSGUARD_IPVS_SHIM_TRACE: '1' } : process.env;
  const child = spawn('keepalived', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let log = '';
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  await Promise.race([exited, sleep(ms)]);
  const ranThrough = child.exitCode === null && child.signalCode === null;
  child.kill('SIGTERM');
  await exited;
  return { log, ranThrough };
}

/**
 * The bench's keepalived peer (bench/keepalived-peer.ts): keepalived 2.2.7's
 * checker on a kernel without IPVS, under the LD_PRELOAD shim that answers its
 * IPVS socket options (bench/keepalived-ipvs-shim.c).
 */
describe('bench: keepalived beside rsguard under the IPVS shim', { skip: !hasTools && 'needs keepalived, gcc and root' }, () => {
  let farm: Farm;
  let dir: string;
  before(async () => {
    farm = await startNginxFarm(26500, 4); // free ports from there, below the ephemeral range
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ka-shim-'));
  });
  after(async () => {
    await farm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without the shim keepalived\'s checker exits at start on this kernel (why the shim exists)', { skip: !noIpvs && 'this kernel has IPVS' }, async () => {
    const conf = path.join(dir, 'plain.conf');
    writeFileSync(conf, keepalivedConfig({ kind: 'http', ports: farm.ports.slice(0, 2), intervalMs: 1000 }));
    const { log, ranThrough } = await runKeepalived(conf, dir, 5000, undefined);
    assert.equal(ranThrough, false, log);
    assert.match(log, /IPVS: Can't initialize ipvs/);
  });

  it('with the shim the IPVS calls are answered by it, and every real server gets its HTTP check once a second, counted at nginx', async () => {
    const conf = path.join(dir, 'shim.conf');
    const ports = farm.ports.slice(0, 3);
    writeFileSync(conf, keepalivedConfig({ kind: 'http', ports, intervalMs: 1000 }));
    const before = (await farm.counts()).requests;
    const { log, ranThrough } = await runKeepalived(conf, dir, 4500, buildShim());
    const requests = (await farm.counts()).requests - before - 1; // the second status read is a request too
    assert.equal(ranThrough, true, log);
    // The netlink family is hidden, so keepalived takes the socket-option path, which the shim answers: GET_INFO,
    // then one service added (IP_VS_BASE_CTL+2) and its three real servers (+7); none of it reaches a kernel.
    assert.match(log, /genl_ctrl_resolve\(IPVS\) -> not found/);
    assert.match(log, /getsockopt\(IP_VS_BASE_CTL\+1, 12 bytes\) -> 0/);
    assert.equal(log.match(/setsockopt\(IP_VS_BASE_CTL\+2,/g)?.length, 1, log);
    assert.equal(log.match(/setsockopt\(IP_VS_BASE_CTL\+7,/g)?.length, 3, log);
    // First checks spread over one second (warmup 1), then one a second: about 3 x 4 in 4.5 s.
    assert.ok(requests >= 3 * 3 && requests <= 3 * 6, `${requests} requests at nginx in 4.5 s for 3 servers`);
  });

  it('the bench peer: TCP checks reach nginx, a closed port counts as failed checks, CPU is read from the checker child', async () => {
    const closed = await freePort();
    const peer = await startKeepalived({ kind: 'tcp', ports: [...farm.ports.slice(0, 2), closed], intervalMs: 1000 });
    try {
      assert.notEqual(peer.mainPid, undefined);
      assert.notEqual(peer.mainPid, peer.pid, 'the checks run in the checker child, not the parent');
      const a0 = (await farm.counts()).accepts;
      await sleep(3000);
      const accepts = (await farm.counts()).accepts - a0 - 1;
      assert.ok(accepts >= 2 * 2 && accepts <= 2 * 5, `${accepts} connections at nginx in 3 s for 2 servers`);
      assert.ok((await peer.failures()) >= 1, 'the closed port failed');
      assert.equal(peer.alive(), true);
    } finally {
      await peer.stop();
    }
  });
});
