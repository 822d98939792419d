import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withKeepalivedDelayLoop, withLdirectordFork } from '../helpers/differential-rewrite.js';

describe('the differential harness: delay_loop added to a keepalived virtual_server without one', () => {
  it('goes right after the opening line', () => {
    const r = withKeepalivedDelayLoop({ text: 'virtual_server 10.0.0.1 80 {\n  protocol TCP\n}\n', rewrites: [] });
    assert.equal(r.text, 'virtual_server 10.0.0.1 80 {\n    delay_loop 2\n  protocol TCP\n}\n');
    assert.equal(r.rewrites.length, 1);
  });
  it('inside a multiline $NAME definition it ends with a backslash too, so the definition goes on past it', () => {
    const text = '$VS= \\\nvirtual_server 10.0.0.1 80 { \\\n  protocol TCP \\\n}\n$VS\n';
    const r = withKeepalivedDelayLoop({ text, rewrites: [] });
    assert.equal(r.text, '$VS= \\\nvirtual_server 10.0.0.1 80 { \\\n    delay_loop 2 \\\n  protocol TCP \\\n}\n$VS\n');
  });
  it('a block that has one is left as it is', () => {
    const text = 'virtual_server 10.0.0.1 80 {\n  delay_loop 5\n}\n';
    assert.deepEqual(withKeepalivedDelayLoop({ text, rewrites: [] }), { text, rewrites: [] });
  });
});

describe('the differential harness: fork=yes for an ldirectord.cf with many real servers', () => {
  it('more than 20 real servers and no fork line: fork=yes first, listed', () => {
    const r = withLdirectordFork({ text: 'virtual=1.2.3.4:80\n', rewrites: [] }, 21);
    assert.equal(r.text, 'fork=yes\nvirtual=1.2.3.4:80\n');
    assert.equal(r.rewrites.length, 1);
  });
  it('20 or fewer, or a fork line of its own: left as it is', () => {
    assert.equal(withLdirectordFork({ text: 'x\n', rewrites: [] }, 20).text, 'x\n');
    assert.equal(withLdirectordFork({ text: 'fork=no\nx\n', rewrites: [] }, 99).text, 'fork=no\nx\n');
  });
});
