import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '../helpers/ports.js';
import { buildArgv } from '../../src/probes/exec.js';
import { probe } from '../helpers/probe.js';

describe('exec probe', () => {
  const target = { host: '10.0.0.2', port: 80, vip: '10.0.0.1', vport: 8080 };
  it('appends ldirectord external arguments when there are no placeholders', () => {
    assert.deepEqual(buildArgv(['/usr/local/bin/check'], target), ['/usr/local/bin/check', '10.0.0.1', '8080', '10.0.0.2', '80']);
  });
  it('fills placeholders instead', () => {
    assert.deepEqual(buildArgv(['check', '--host={rip}', '{rport}'], target), ['check', '--host=10.0.0.2', '80']);
  });
  it('exit 0 is up, anything else down with the output in the detail', async () => {
    assert.equal((await probe('exec', target, { command: ['sh', '-c', 'exit 0', 'sh'] })).ok, true);
    const r = await probe('exec', target, { command: ['sh', '-c', 'echo "backend $3 sick" >&2; exit 3', 'sh'] });
    assert.deepEqual([r.ok, r.reason], [false, 'exit']);
    assert.match(r.detail, /exit 3: backend 10.0.0.2 sick/);
  });
  it('never goes through a shell: metacharacters stay literal', async () => {
    const r = await probe('exec', target, { command: ['echo', '$(id); exit 1'] });
    assert.equal(r.ok, true);
    assert.match(r.detail, /\$\(id\); exit 1/);
  });
  it('kills the whole process group at the deadline, the script\'s children too', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-exec-'));
    const pids = path.join(dir, 'pids');
    try {
      // The script records its own pid and its background child's, then waits.
      const r = await probe('exec', target, { command: ['sh', '-c', `sleep 30 & echo "$$ $!" > ${pids}; wait`, 'sh'] }, 300);
      assert.deepEqual([r.ok, r.reason], [false, 'timeout']);
      const [shell, child] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
        } catch {
          return false;
        }
      };
      await waitFor('both gone', () => (!alive(shell!) && !alive(child!) ? true : undefined), 2000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('keepalived misc_dynamic: exit 2-255 is up with weight exit - 2; exit 1 down; without dynamicWeight exit 12 is down', async () => {
    const r = await probe('exec', target, { command: ['sh', '-c', 'exit 12'], appendTarget: false, dynamicWeight: true });
    assert.deepEqual([r.ok, r.weight], [true, 10]);
    const d = await probe('exec', target, { command: ['sh', '-c', 'exit 1'], appendTarget: false, dynamicWeight: true });
    assert.deepEqual([d.ok, d.weight], [false, undefined]);
    assert.equal((await probe('exec', target, { command: ['sh', '-c', 'exit 12'], appendTarget: false })).ok, false);
  });
  it('keepalived MISC_CHECK user: the script runs as that user; an unknown user is a check error', { skip: process.getuid?.() !== 0 ? 'needs root to change user' : false }, async () => {
    const r = await probe('exec', target, { command: ['id', '-un'], appendTarget: false, user: 'nobody' });
    assert.ok(r.ok, r.detail);
    assert.match(r.detail, /exit 0: nobody/);
    const self = await probe('exec', target, { command: ['id', '-un'], appendTarget: false });
    assert.match(self.detail, /exit 0: root/, 'without user it runs as rsguard\'s user');
    const unknown = await probe('exec', target, { command: ['id'], appendTarget: false, user: 'no-such-user-here' });
    assert.deepEqual([unknown.ok, unknown.error], [false, 'spawn']);
  });
  it('a missing command is a check error (the director\'s fault), with a clear detail', async () => {
    const r = await probe('exec', target, { command: ['/nonexistent/check'] });
    assert.deepEqual([r.ok, r.error], [false, 'spawn']);
    assert.match(r.detail, /cannot run \/nonexistent\/check/);
  });
});
