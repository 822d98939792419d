import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailStaticWatch } from '../../src/scheduler/fail-static.js';

describe('FailStaticWatch (distributed mode blind: told once when it begins, once when it ends)', () => {
  it('jobs lost with no answer begin it once; answers with nothing lost end it, with how long it lasted', () => {
    const w = new FailStaticWatch();
    w.answer();
    assert.equal(w.tick(1000), undefined, 'answers alone: nothing to tell');
    w.gaveUp(3);
    assert.deepEqual(w.tick(2000), { begins: true, lost: 3 });
    assert.equal(w.active, true);
    // Still blind for several sweeps: not told again.
    for (let t = 3000; t < 8000; t += 1000) {
      w.gaveUp();
      assert.equal(w.tick(t), undefined);
    }
    // Answers come back while old jobs are still being given up in the same sweep: not over yet.
    w.answer();
    w.gaveUp();
    assert.equal(w.tick(8000), undefined);
    w.answer();
    assert.deepEqual(w.tick(9000), { begins: false, lastedMs: 7000, lost: 3 + 5 + 1 });
    assert.equal(w.active, false);
    assert.equal(w.tick(10_000), undefined);
  });

  it('a lost job in a sweep that also had answers (one slow worker) is not fail static', () => {
    const w = new FailStaticWatch();
    w.gaveUp();
    w.answer();
    assert.equal(w.tick(1000), undefined);
    assert.equal(w.active, false);
  });
});
