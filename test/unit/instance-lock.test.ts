import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireLock, InstanceLocked } from '../../src/process/instance-lock.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-lock-'));

function startOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

describe('instance locks', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a live holder refuses the next taker, naming its pid and config; released, the lock is free again', async () => {
    const file = path.join(dir, 'a.lock');
    const sleeper = spawn('sleep', ['30']);
    try {
      writeFileSync(file, JSON.stringify({ pid: sleeper.pid, start: startOf(sleeper.pid!), what: 'x', config: '/etc/rsguard/a.yaml' }));
      await assert.rejects(acquireLock(file, 'HAProxy /run/haproxy.sock', '/etc/b.yaml'), (err: InstanceLocked) => err instanceof InstanceLocked && err.holder.pid === sleeper.pid && /a\.yaml/.test(err.message));
      assert.match(readFileSync(file, 'utf8'), new RegExp(`"pid":${sleeper.pid}`), 'the refused taker changed nothing');
    } finally {
      sleeper.kill();
    }
    rmSync(file);
    const release = await acquireLock(file, 'x', '/etc/b.yaml');
    assert.match(readFileSync(file, 'utf8'), new RegExp(`"pid":${process.pid}`));
    await release();
    assert.throws(() => readFileSync(file), /ENOENT/);
  });

  it('a dead holder, a reused pid (same pid, another start time) and a torn file are taken over', async () => {
    const cases = {
      dead: JSON.stringify({ pid: 2 ** 22 + 7, start: 1, what: 'x', config: 'c' }),
      // This very process's pid with another start time: the pid was reused after the holder died.
      reused: JSON.stringify({ pid: process.pid, start: startOf(process.pid) + 1, what: 'x', config: 'c' }),
      torn: '{"pid": 12',
    };
    for (const [name, body] of Object.entries(cases)) {
      const file = path.join(dir, `${name}.lock`);
      writeFileSync(file, body);
      const release = await acquireLock(file, 'x', 'c');
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, process.pid, name);
      await release();
    }
  });

  it('of five processes taking the lock at once, exactly one gets it', async () => {
    const file = path.join(dir, 'race.lock');
    const mod = new URL('../../src/process/instance-lock.js', import.meta.url).href;
    const script = `const { acquireLock } = await import(${JSON.stringify(mod)}); try { await acquireLock(${JSON.stringify(file)}, 'x', 'c'); console.log('got'); await new Promise((r) => setTimeout(r, 1500)); } catch (e) { console.log(e.name); }`;
    const runs = Array.from({ length: 5 }, () =>
      new Promise<string>((resolve) => {
        const p = spawn(process.execPath, ['--input-type=module', '-e', script]);
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.on('exit', () => resolve(out.trim()));
      }),
    );
    const outs = await Promise.all(runs);
    assert.equal(outs.filter((o) => o === 'got').length, 1, outs.join(','));
    assert.equal(outs.filter((o) => o === 'InstanceLocked').length, 4, outs.join(','));
  });
});

describe('instance locks that cannot be written', () => {
  it('a lock directory rsguard cannot write is told and skipped, never a refusal to start (only a live holder refuses)', async () => {
    const { takeInstanceLocks } = await import('../../src/daemon-locks.js');
    const { loadYamlText } = await import('../../src/config/load.js');
    // A state file under a path that is a regular file: its lock cannot be created, as under a read-only or foreign /var/lib.
    const own = mkdtempSync(path.join(tmpdir(), 'rsguard-lock-ro-'));
    const blocker = path.join(own, 'not-a-dir');
    writeFileSync(blocker, '');
    const model = loadYamlText('x.yaml', `global: { stateFile: ${blocker}/checks.json }\nvirtualServices: [{ address: 10.0.0.1:80, realServers: [{ address: 10.0.0.2:80 }] }]\n`);
    const told: string[] = [];
    const release = await takeInstanceLocks(model, 'x.yaml', false, (what, _file, err) => told.push(`${what}: ${(err as NodeJS.ErrnoException).code}`));
    assert.equal(told.length, 1, told.join('\n'));
    assert.match(told[0]!, new RegExp(`^the check state file ${blocker}/checks.json: E[A-Z]+$`));
    await release();
    rmSync(own, { recursive: true, force: true });
  });
});
