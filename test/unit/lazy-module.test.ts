import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lazyModule } from '../../src/probes/lazy-module.js';
import { classifyError } from '../../src/probes/outcome.js';

describe('client libraries loaded on first use', () => {
  it('loads once and keeps it', async () => {
    let loads = 0;
    const load = lazyModule('lib', async () => ({ n: ++loads }));
    assert.deepEqual(await Promise.all([load(), load()]), [{ n: 1 }, { n: 1 }]);
    assert.deepEqual(await load(), { n: 1 });
    assert.equal(loads, 1);
  });

  it('a library that cannot load is a check error (this host), and the next check tries again', async () => {
    let loads = 0;
    const load = lazyModule('pg', async () => {
      if (++loads === 1) throw new Error("Cannot find package 'pg'");
      return 'pg';
    });
    const err = await load().then(() => undefined, (e: unknown) => e);
    assert.match(String(err), /cannot load pg: Cannot find package 'pg'/);
    assert.deepEqual(classifyError(err, { aborted: false }), { reason: 'error', detail: "cannot load pg: Cannot find package 'pg'", error: 'exception' });
    assert.equal(await load(), 'pg');
  });
});
