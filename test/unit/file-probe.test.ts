import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { strtol } from '../../src/probes/file.js';
import { probe } from '../helpers/probe.js';

describe('file probe (keepalived FILE_CHECK / track_file)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-file-'));
  const f = path.join(dir, 'value');
  const run = (text: string | null, spec: Record<string, unknown>) => {
    rmSync(f, { force: true });
    if (text !== null) writeFileSync(f, text);
    return probe('file', { host: '127.0.0.1', port: 0 }, { path: f, ...spec });
  };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads numbers as strtol(..., 0) does', () => {
    assert.deepEqual(['12', ' -7\n', '0x1f', '010', '3abc', 'abc', ''].map(strtol), [12, -7, 31, 8, 3, 0, 0]);
  });
  it('weight 0: zero is up, anything else down; reverse swaps them; a missing file is 0', async () => {
    assert.equal((await run('0', {})).ok, true);
    assert.equal((await run('5', {})).ok, false);
    assert.equal((await run(null, {})).ok, true);
    assert.equal((await run('0', { reverse: true })).ok, false);
    assert.equal((await run('5', { reverse: true })).ok, true);
  });
  it('weight N: up, and the value times N (negated with reverse) is the weight delta', async () => {
    assert.deepEqual(((r) => [r.ok, r.weightDelta])(await run('3', { weight: 2 })), [true, 6]);
    assert.deepEqual(((r) => [r.ok, r.weightDelta])(await run('3', { weight: 2, reverse: true })), [true, -6]);
  });
  it('a file it cannot read is a check error (the state holds), not a down server', async () => {
    if (process.getuid?.() === 0) {
      // root reads any file: a directory where the file should be takes the same "cannot read" path (EISDIR).
      const r = await probe('file', { host: '127.0.0.1', port: 0 }, { path: dir });
      assert.equal(r.ok, false);
      assert.ok(r.error, `expected a check error, got ${r.detail}`);
      return;
    }
    writeFileSync(f, '1');
    chmodSync(f, 0);
    const r = await probe('file', { host: '127.0.0.1', port: 0 }, { path: f });
    assert.ok(r.error);
  });
  it('a value beyond 32 bits is ignored as keepalived does: a check error, not a verdict', async () => {
    const r = await run('99999999999', {});
    assert.equal(r.ok, false);
    assert.ok(r.error);
  });
});
