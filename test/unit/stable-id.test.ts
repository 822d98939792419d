import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { stableId } from '../../src/model/stable-id.js';

describe('stableId', () => {
  it('is the first 16 hex digits of the SHA-1 of the key-sorted JSON (ids in saved check states keep their meaning across versions)', () => {
    const sha = createHash('sha1').update('{"kind":"http","target":{"host":"10.0.0.1","port":80}}').digest('hex');
    assert.equal(stableId({ target: { port: 80, host: '10.0.0.1' }, kind: 'http' }), sha.slice(0, 16));
  });

  it('differs when a value differs, not when the key order does', () => {
    assert.equal(stableId({ a: 1, b: [1, 2] }), stableId({ b: [1, 2], a: 1 }));
    assert.notEqual(stableId({ a: 1, b: [1, 2] }), stableId({ a: 1, b: [2, 1] }));
    assert.match(stableId({}), /^[0-9a-f]{16}$/);
  });
});
