import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pemFile } from '../../src/probes/ca-file.js';
import { LocalFault } from '../../src/probes/outcome.js';
import { forgetReadOnce, readOnce } from '../../src/probes/read-once.js';

describe('readOnce: files probes keep until a reload', () => {
  it('reads a key once, again after forgetReadOnce', () => {
    const reads: string[] = [];
    const get = readOnce((key) => {
      reads.push(key);
      return `${key}#${reads.length}`;
    });
    assert.equal(get('/ca.pem'), '/ca.pem#1');
    assert.equal(get('/ca.pem'), '/ca.pem#1', 'kept');
    forgetReadOnce();
    assert.equal(get('/ca.pem'), '/ca.pem#2', 'read again after a reload');
    assert.deepEqual(reads, ['/ca.pem', '/ca.pem']);
  });

  it('keeps a failure too: an unreadable file is not read again by every probe, only after the next reload', () => {
    const reads: string[] = [];
    let fail = true;
    const get = readOnce((key) => {
      reads.push(key);
      if (fail) throw new Error('ENOENT');
      return `${key}#${reads.length}`;
    });
    for (let i = 0; i < 3; i++) assert.throws(() => get('/ca.pem'), /ENOENT/);
    fail = false;
    assert.throws(() => get('/ca.pem'), /ENOENT/, 'fixed, but not reloaded yet');
    assert.deepEqual(reads, ['/ca.pem'], 'read once for all those calls');
    forgetReadOnce();
    assert.equal(get('/ca.pem'), '/ca.pem#2', 'read again after a reload');
  });

  it('pemFile: an unreadable PEM file is a check error every time, read once until the reload', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rsguard-pem-'));
    const path = join(dir, 'ca.pem');
    try {
      assert.throws(() => pemFile(path, 'CA'), (e: unknown) => e instanceof LocalFault && /cannot read CA file .*ENOENT/.test((e as Error).message));
      writeFileSync(path, 'PEM');
      assert.throws(() => pemFile(path, 'CA'), LocalFault, 'not read again before a reload');
      forgetReadOnce();
      assert.equal(pemFile(path, 'CA'), 'PEM');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
