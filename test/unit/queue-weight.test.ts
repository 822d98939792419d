import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queueWeightSpec, weightPercentFor } from '../../src/probes/queue-weight.js';
import { CheckWeights } from '../../src/engine/check-weights.js';
import type { RealServerDef } from '../../src/model/model.js';

describe('weight by queue length', () => {
  const rule = queueWeightSpec.parse({ from: 2, to: 10, floorPercent: 20 });
  it('keeps the full weight up to `from`, the floor from `to`, a straight line between', () => {
    assert.deepEqual([0, 2, 3, 6, 9, 10, 500].map((q) => weightPercentFor(q, rule)), [100, 100, 90, 60, 30, 20, 20]);
  });
  it('defaults the floor to 10% and may drain at 0%', () => {
    assert.equal(queueWeightSpec.parse({ from: 0, to: 4 }).floorPercent, 10);
    assert.equal(weightPercentFor(4, queueWeightSpec.parse({ from: 0, to: 4, floorPercent: 0 })), 0);
  });
  it('refuses a range that does not rise and a floor of 100%', () => {
    assert.throws(() => queueWeightSpec.parse({ from: 5, to: 5 }), /to must be greater than from/);
    assert.throws(() => queueWeightSpec.parse({ from: 0, to: 5, floorPercent: 100 }));
    assert.throws(() => queueWeightSpec.parse({ from: 0, to: 5, floor: 3 }), /Unrecognized key/);
  });
});

describe('a check asking a percentage of the weight', () => {
  const rs = (weight: number, checkIds: string[]) => ({ weight, checkIds }) as unknown as RealServerDef;
  const ok = { ok: true, durationMs: 1, detail: '' };
  it('scales the configured weight, rounding up so only 0% drains', () => {
    const w = new CheckWeights();
    w.set('fpm', w.next('fpm', { ...ok, weightPercent: 55 })!);
    assert.equal(w.effective(rs(100, ['fpm'])), 55);
    assert.equal(w.effective(rs(3, ['fpm'])), 2);
    assert.equal(w.effective(rs(1, ['fpm'])), 1);
    w.set('fpm', w.next('fpm', { ...ok, weightPercent: 0 })!);
    assert.equal(w.effective(rs(100, ['fpm'])), 0);
  });
  it('comes back to the full weight when the check asks 100% again, and keeps the last ask across results that say nothing', () => {
    const w = new CheckWeights();
    w.set('fpm', w.next('fpm', { ...ok, weightPercent: 40 })!);
    assert.equal(w.next('fpm', ok), undefined);
    assert.equal(w.next('fpm', { ...ok, weightPercent: 40 }), undefined);
    w.set('fpm', w.next('fpm', { ...ok, weightPercent: 100 })!);
    assert.equal(w.effective(rs(80, ['fpm'])), 80);
  });
  it('combines with the other asks: lowest percentage of the lowest absolute weight, then the deltas', () => {
    const w = new CheckWeights();
    w.set('a', w.next('a', { ...ok, weightPercent: 50 })!);
    w.set('b', w.next('b', { ...ok, weightPercent: 80 })!);
    w.set('misc', w.next('misc', { ...ok, weight: 40 })!);
    w.set('file', w.next('file', { ...ok, weightDelta: 3 })!);
    assert.equal(w.effective(rs(100, ['a', 'b', 'misc', 'file'])), 23);
  });
});
