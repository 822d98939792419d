import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headerMatch, matchHeader, render } from '../../src/probes/http-header-rule.js';
import { fetchHeader, headerLines, splitValues } from '../../src/probes/http-headers.js';
import { httpRule } from '../../src/probes/http-spec.js';

// reg-tests/checks/http-check-expect.vtc (HAProxy 2.6): the response of server s1.
const VTC_HEAD = [
  'HTTP/1.1 202 Accepted',
  'x-test1: true, next value',
  'x-test2: true, begin-value, value-end, value-sub-string, value-reg-123ABC',
  'x-begin-test: 1',
  'x-test-end: 1',
  'x-sub-test: 1',
  'x-reg-test1: 1',
  'x-hdr-name: x-test1',
].join('\r\n');
const lines = headerLines(VTC_HEAD);
const judge = (rule: Record<string, unknown>) => matchHeader(headerMatch.parse(rule), lines);
const matched = (rule: Record<string, unknown>) => {
  const r = judge(rule);
  return 'matched' in r ? r.matched : r.error;
};

describe('http-check expect hdr/fhdr as HAProxy 2.6 evaluates them (tcpcheck_eval_expect_http)', () => {
  it('every rule of reg-tests/checks/http-check-expect.vtc holds on its server\'s response', () => {
    const ref = [{ header: 'x-hdr-name', full: true }];
    const rules = [
      { name: 'x-test1' },
      { name: 'X-Test2' },
      { name: 'X-Begin-', nameMatch: 'beg' },
      { name: '-End', nameMatch: 'end' },
      { name: '-Sub-', nameMatch: 'sub' },
      { name: '^[a-z]+-Reg-[a-z]+[0-9]$', nameMatch: 'reg' },
      { name: ref },
      { name: 'x-test1', value: 'true, next value', full: true },
      { name: 'x-test2', value: 'true' },
      { name: 'x-test', nameMatch: 'beg', value: 'begin-', valueMatch: 'beg' },
      { name: 'x-test', nameMatch: 'beg', value: '-end', valueMatch: 'end' },
      { name: 'x-test', nameMatch: 'beg', value: '-sub-', valueMatch: 'sub' },
      { name: 'x-test', nameMatch: 'beg', value: '^value-reg-[A-Z0-9]+$', valueMatch: 'reg' },
      { name: 'x-test', nameMatch: 'beg', value: 'value-reg-[A-Z0-9]+', valueMatch: 'reg', full: true },
      { name: 'x-', nameMatch: 'beg', value: 'x-test1' },
      { name: 'x-', nameMatch: 'beg', value: ref, full: true },
    ];
    for (const r of rules) assert.equal(matched(r), true, JSON.stringify(r));
  });

  it('hdr splits values on commas, fhdr does not (configuration.txt "fhdr")', () => {
    // The whole line "true, next value" is no single value of hdr; "true" is no whole line of fhdr.
    assert.equal(matched({ name: 'x-test1', value: 'true, next value' }), false);
    assert.equal(matched({ name: 'x-test1', value: 'true', full: true }), false);
    assert.equal(matched({ name: 'x-test1', value: 'next value' }), true);
    // A comma inside a quoted string is no delimiter (http_find_hdr_value_end).
    assert.deepEqual(splitValues('a, "b, c" ,d,'), ['a', '"b, c"', 'd', '']);
  });

  it('names match in any case, a name regex too; values match with case', () => {
    assert.equal(matched({ name: 'X-TEST1' }), true);
    assert.equal(matched({ name: '^X-REG', nameMatch: 'reg' }), true);
    assert.equal(matched({ name: 'x-test2', value: 'TRUE' }), false);
    assert.equal(matched({ name: 'x-test2', value: '^VALUE', valueMatch: 'reg' }), false);
  });

  it('a header that is not there does not match; a name template that comes out empty is an error, negated or not', () => {
    assert.equal(matched({ name: 'x-missing' }), false);
    assert.equal(matched({ name: [{ header: 'x-missing' }] }), 'header name template evaluated to an empty string');
    // set-var from a missing header keeps the earlier value: the template's otherwise.
    assert.equal(render([{ header: 'x-missing', otherwise: ['x-test2'] }], lines), 'x-test2');
  });

  it('res.hdr and res.fhdr take the last occurrence unless told which (smp_fetch_hdr, http_get_htx_hdr)', () => {
    assert.equal(fetchHeader(lines, 'x-test2', false), 'value-reg-123ABC');
    assert.equal(fetchHeader(lines, 'X-Test2', false, 2), 'begin-value');
    assert.equal(fetchHeader(lines, 'x-test2', false, -2), 'value-sub-string');
    assert.equal(fetchHeader(lines, 'x-test1', true), 'true, next value');
    assert.equal(fetchHeader(lines, 'x-test1', false, 3), undefined);
  });

  it('a rule holds one pattern; a template cannot be a regex (HAProxy refuses -m reg with name-lf)', () => {
    assert.equal(httpRule.safeParse({ header: { name: 'a' }, body: 'x' }).success, false);
    assert.equal(headerMatch.safeParse({ name: [{ header: 'a' }], nameMatch: 'reg' }).success, false);
    assert.equal(headerMatch.safeParse({ name: '(', nameMatch: 'reg' }).success, false);
    assert.equal(httpRule.safeParse({ header: { name: 'a', value: [{ header: 'b', full: true, occurrence: 2, otherwise: ['c'] }] }, not: true }).success, true);
  });
});
