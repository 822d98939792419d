import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitAtMost } from '../../src/lib/wait-at-most.js';

describe('waitAtMost', () => {
  it('returns when the promise settles, or at the bound when it never does', async () => {
    const t0 = performance.now();
    await waitAtMost(new Promise(() => undefined), 50);
    assert.ok(performance.now() - t0 >= 45, 'a promise that never settles is waited for the bound');
    let done = false;
    await waitAtMost(new Promise<void>((r) => setTimeout(() => ((done = true), r()), 10)), 5000);
    assert.equal(done, true);
  });

  it('passes a rejection on', async () => {
    await assert.rejects(waitAtMost(Promise.reject(new Error('Redis away')), 1000), /Redis away/);
  });
});
