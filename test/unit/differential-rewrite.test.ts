import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withKeepalivedDelayLoop } from '../helpers/differential-rewrite.js';

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
