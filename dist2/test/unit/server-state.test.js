import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyResult, initialCheckState } from '../../src/state/check-state.js';
import { serverView } from '../../src/state/server-state.js';
import { timing } from '../helpers/timing.js';
const t = timing({ fall: 2, rise: 2 });
function after(results) {
    let s = initialCheckState(t, 0);
    [...results].forEach((c, i) => (s = applyResult(s, t, { ok: c === '+', durationMs: 1, detail: c }, i + 1).next));
    return s;
}
describe('server view: all checks must be up', () => {
    const table = [
        { name: 'no checks is always up', checks: [], state: 'up', hard: 'up', type: 'hard', failing: null },
        { name: 'all passing', checks: ['+', '+'], state: 'up', hard: 'up', type: 'hard', failing: null },
        { name: 'one soft failure makes the server soft down', checks: ['+', '-'], state: 'down', hard: 'up', type: 'soft', failing: 'c1' },
        { name: 'one hard failure makes the server hard down', checks: ['+', '--'], state: 'down', hard: 'down', type: 'hard', failing: 'c1' },
        { name: 'the hard-down check is named over a soft one', checks: ['-', '--'], state: 'down', hard: 'down', type: 'hard', failing: 'c1' },
        { name: 'recovering check keeps the server hard down', checks: ['+', '--+'], state: 'up', hard: 'down', type: 'soft', failing: 'c1' },
    ];
    for (const row of table) {
        it(row.name, () => {
            const v = serverView(row.checks.map((r, i) => ({ id: `c${i}`, state: after(r) })));
            assert.deepEqual([v.state, v.hardState, v.stateType, v.failingCheck], [row.state, row.hard, row.type, row.failing]);
        });
    }
    it('reports the newest last check', () => {
        const a = after('+');
        const b = after('++');
        const v = serverView([{ id: 'a', state: a }, { id: 'b', state: b }]);
        assert.equal(v.lastCheck?.at, 2);
    });
});
describe('server view: last check', () => {
    it('a down server shows the failing check, not a newer pass of another', () => {
        const failing = after('--');
        const passing = after('+++');
        const v = serverView([{ id: 'bad', state: failing }, { id: 'good', state: passing }]);
        assert.equal(v.lastCheck?.ok, false);
        assert.equal(v.lastCheck?.at, 2);
    });
});
//# sourceMappingURL=server-state.test.js.map