import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProcessIdentity } from '../../src/actuators/haproxy/process-watcher.js';

// `show info` as HAProxy 2.6.12 printed it here (trimmed): the fields that tell one process from the next.
const INFO = 'Name: HAProxy\nVersion: 2.6.12-1+deb12u4\nRelease_date: 2023/03/14\nNbthread: 2\nNbproc: 1\nProcess_num: 1\nPid: 22030\nUptime: 0d 0h00m01s\nUptime_sec: 1\nMemmax_MB: 0\nStopping: 0\nStart_time_sec: 1796571008\n';

describe('HAProxy process identity (show info)', () => {
  it('reads Pid and Start_time_sec', () => {
    assert.deepEqual(parseProcessIdentity(INFO), { pid: 22030, startTime: 1796571008 });
  });
  it('falls back to Uptime_sec where Start_time_sec is missing (HAProxy before 2.4)', () => {
    const id = parseProcessIdentity(INFO.replace(/^Start_time_sec.*\n/m, '').replace('Uptime_sec: 1', 'Uptime_sec: 100'));
    assert.equal(id?.pid, 22030);
    assert.ok(Math.abs(id!.startTime - (Math.round(Date.now() / 1000) - 100)) <= 1);
  });
  it('an error reply or a garbled one is no identity (never a false restart)', () => {
    assert.equal(parseProcessIdentity('Unknown command.\n'), undefined);
    assert.equal(parseProcessIdentity('Pid: x\nStart_time_sec: 5\n'), undefined);
  });
});
