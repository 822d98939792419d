import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusMatches } from '../../src/probes/status-codes.js';

describe('expected status lists', () => {
  const rows: Array<[number, Array<number | string>, boolean]> = [
    [200, [200], true],
    [201, [200], false],
    [204, ['2xx'], true],
    [299, ['2xx'], true],
    [300, ['2xx'], false],
    [199, ['2xx'], false],
    [302, ['200-399'], true],
    [400, ['200-399'], false],
    [200, ['200-200'], true],
    [404, [200, '3xx', 404], true],
    [500, [200, '3xx', 404], false],
    [503, [], false],
  ];
  for (const [code, list, want] of rows) it(`${code} in ${JSON.stringify(list)}: ${want}`, () => assert.equal(statusMatches(code, list as never), want));

  it('the same list asked twice answers the same (its parsed ranges are kept)', () => {
    const list = ['2xx', 301];
    assert.deepEqual([statusMatches(301, list), statusMatches(301, list), statusMatches(302, list)], [true, true, false]);
  });
});
