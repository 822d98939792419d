import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forgetReadOnce, readOnce } from '../../src/probes/read-once.js';

describe('readOnce: files probes keep until a reload', () => {
  it('reads a key once, again after forgetReadOnce, and never keeps a failure', () => {
    const reads: string[] = [];
    let fail = true;
    const get = readOnce((key) => {
      reads.push(key);
      if (fail) throw new Error('ENOENT');
      return `${key}#${reads.length}`;
    });
    assert.throws(() => get('/ca.pem'), /ENOENT/);
    fail = false;
    assert.equal(get('/ca.pem'), '/ca.pem#2', 'a failed read is tried again');
    assert.equal(get('/ca.pem'), '/ca.pem#2', 'then kept');
    forgetReadOnce();
    assert.equal(get('/ca.pem'), '/ca.pem#3', 'read again after a reload');
    assert.deepEqual(reads, ['/ca.pem', '/ca.pem', '/ca.pem']);
  });
});
