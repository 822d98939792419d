import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleOf } from '../helpers/differential-sample.js';

// The differential IPVS test's listeners answer with these strings: a wrong one makes both tools mark every real
// server down, and the comparison of what each does with live servers is lost (017-network-director-spaces.cf).
describe('sampleOf: a string the receive regex of a real config matches', () => {
  for (const [re, want] of [
    ['OK', 'OK'],
    ['^Test Page$', 'Test Page'],
    ['Welcome\\.', 'Welcome.'],
    ['OK web[0-9]+', 'OK web0'],
    ['(UP|OK)', 'UP'],
    ['status: \\d{3} ok', 'status: 000 ok'],
    ['a.*b', 'ab'],
    ['colou?r', 'color'],
    ['(?:alive|up)!', 'alive!'],
  ] as const) {
    it(`${re} -> ${JSON.stringify(want)}, which it matches`, () => {
      const s = sampleOf(re);
      assert.equal(s, want);
      assert.match(s, new RegExp(re));
    });
  }
  it('falls back to the text without its escapes where the sample does not match (a back-reference)', () => {
    assert.equal(sampleOf('(a)\\1'), '(a)1');
  });
});
