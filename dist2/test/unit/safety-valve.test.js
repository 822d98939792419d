import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthVerdict } from '../../src/engine/health.js';
import { applySafetyValve } from '../../src/planner/safety-valve.js';
const INTERVAL = 1000;
const servers = (states) => states.map(([hardState, hardSince, checkedAt], i) => ({ key: `rs${i}`, hardState, hardSince, checkedAt }));
const allUp = (n) => new Map(Array.from({ length: n }, (_, i) => [`rs${i}`, 'up']));
describe('safety valve (maxDownFraction)', () => {
    it('off: every hard down goes through at once', () => {
        const r = applySafetyValve({ servers: servers([['down', 100, 100], ['down', 100, 100], ['down', 100, 100], ['down', 100, 100]]), held: new Map(), previous: allUp(4), maxDownFraction: null, intervalMs: INTERVAL, now: 150 });
        assert.deepEqual([...r.effective.values()], ['down', 'down', 'down', 'down']);
        assert.equal(r.held.size, 0);
    });
    it('0.5 of 4: two may go within one interval, the other two wait for a second round', () => {
        const r = applySafetyValve({ servers: servers([['down', 100, 100], ['down', 110, 110], ['down', 120, 120], ['down', 130, 130]]), held: new Map(), previous: allUp(4), maxDownFraction: 0.5, intervalMs: INTERVAL, now: 150 });
        assert.deepEqual([...r.effective.values()], ['down', 'down', 'up', 'up']);
        assert.deepEqual([...r.held.keys()], ['rs2', 'rs3']);
        assert.equal(r.newlyHeld, 2);
    });
    it('failures spread wider than one interval are not a mass failure', () => {
        const prev = new Map([['rs0', 'down'], ['rs1', 'down'], ['rs2', 'up'], ['rs3', 'up']]);
        const r = applySafetyValve({ servers: servers([['down', 100, 5000], ['down', 1500, 5000], ['down', 4000, 5000], ['up', -Infinity, 5000]]), held: new Map(), previous: prev, maxDownFraction: 0.5, intervalMs: INTERVAL, now: 4100 });
        assert.deepEqual([...r.effective.values()], ['down', 'down', 'down', 'up']);
        assert.equal(r.held.size, 0);
    });
    it('a held server is applied once a round that ran after the hold still says down; one that came back is simply released', () => {
        const held = new Map([['rs2', 150], ['rs3', 150]]);
        const prev = new Map([['rs0', 'down'], ['rs1', 'down'], ['rs2', 'up'], ['rs3', 'up']]);
        // No later round yet: still held.
        let r = applySafetyValve({ servers: servers([['down', 100, 140], ['down', 110, 140], ['down', 120, 140], ['down', 130, 140]]), held, previous: prev, maxDownFraction: 0.5, intervalMs: INTERVAL, now: 400 });
        assert.deepEqual([...r.held.keys()], ['rs2', 'rs3']);
        assert.equal(r.confirmed, 0);
        // rs2 confirmed by a round at 1150; rs3 came back up.
        r = applySafetyValve({ servers: servers([['down', 100, 1150], ['down', 110, 1150], ['down', 120, 1150], ['up', 1140, 1150]]), held, previous: prev, maxDownFraction: 0.5, intervalMs: INTERVAL, now: 1200 });
        assert.deepEqual([...r.effective.values()], ['down', 'down', 'down', 'up']);
        assert.equal(r.confirmed, 1);
        assert.equal(r.held.size, 0);
    });
    it('every server confirmed down: the planner sees them all down (the sorry server comes in)', () => {
        const held = new Map([['rs1', 150], ['rs2', 150]]);
        const prev = new Map([['rs0', 'down'], ['rs1', 'up'], ['rs2', 'up']]);
        const r = applySafetyValve({ servers: servers([['down', 100, 1200], ['down', 110, 1200], ['down', 120, 1200]]), held, previous: prev, maxDownFraction: 0.5, intervalMs: INTERVAL, now: 1250 });
        assert.deepEqual([...r.effective.values()], ['down', 'down', 'down']);
    });
    it('a check that never answers again (stale, erroring) keeps its server held: fail static', () => {
        const held = new Map([['rs1', 150]]);
        const r = applySafetyValve({ servers: servers([['down', 100, 90], ['down', 110, 90]]), held, previous: new Map([['rs0', 'down'], ['rs1', 'up']]), maxDownFraction: 0.5, intervalMs: INTERVAL, now: 60_000 });
        assert.deepEqual([...r.held.keys()], ['rs1']);
        assert.equal(r.effective.get('rs1'), 'up');
    });
});
describe('health verdict (rsguard health, the health file)', () => {
    const v = (blind, checks, maxBlindFraction, started = true) => healthVerdict({ started, checks, blind, stale: blind, erroring: 0, maxBlindFraction }).ok;
    it('healthy at or under the blind fraction, sick past it', () => {
        assert.equal(v(5, 10, 0.5), true);
        assert.equal(v(6, 10, 0.5), false);
        assert.equal(v(0, 10, 0), true);
        assert.equal(v(1, 10, 0), false, '0 means any blind check is sick');
        assert.equal(v(0, 10, 0.5, false), false, 'not started yet is sick');
    });
});
//# sourceMappingURL=safety-valve.test.js.map