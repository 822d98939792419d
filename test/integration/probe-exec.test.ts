import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
  it('kills the whole process group at the deadline', async () => {
    const t0 = performance.now();
    const r = await probe('exec', target, { command: ['sh', '-c', 'sleep 30 & sleep 30', 'sh'] }, 300);
    assert.deepEqual([r.ok, r.reason], [false, 'timeout']);
    assert.ok(performance.now() - t0 < 2000);
  });
  it('a missing command is a clear failure', async () => {
    const r = await probe('exec', target, { command: ['/nonexistent/check'] });
    assert.equal(r.ok, false);
    assert.match(r.detail, /cannot run \/nonexistent\/check/);
  });
});
