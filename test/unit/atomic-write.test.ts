import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { writeFileAtomic, writeFileAtomicSync } from '../../src/lib/atomic-write.js';

describe('writeFileAtomic', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-atomic-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('two writes of one file at once both succeed and leave one of the two documents whole (a shared .tmp name failed one with ENOENT)', async () => {
    const file = path.join(dir, 'owned.json');
    const docs = Array.from({ length: 20 }, (_, i) => JSON.stringify({ write: i, pad: 'x'.repeat(50_000) }));
    const results = await Promise.allSettled(docs.map((d) => writeFileAtomic(file, d)));
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
    assert.ok(docs.includes(readFileSync(file, 'utf8')), 'the file is one of the documents, whole');
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary left behind');
  });

  it('a failed write leaves the old file and no temporary', () => {
    const file = path.join(dir, 'kept.json');
    writeFileAtomicSync(file, 'old');
    assert.throws(() => writeFileAtomicSync(path.join(dir, 'missing-dir', 'x.json'), 'new'), /ENOENT/);
    assert.equal(readFileSync(file, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });
});
