import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBus } from '../../src/events/bus.js';
const e = { type: 'daemon', at: 1, state: 'starting' };
describe('event bus', () => {
    it('calls subscribers in stage order (log, metrics, record, pool, notify, extra), whatever the order they subscribed in', () => {
        const calls = [];
        const bus = new EventBus(() => { });
        bus.subscribe('extra', 'x', () => calls.push('extra'));
        bus.subscribe('notify', 'n', () => calls.push('notify'));
        bus.subscribe('pool', 'p', () => calls.push('pool'));
        bus.subscribe('log', 'l', () => calls.push('log'));
        bus.subscribe('record', 'r', () => calls.push('record'));
        bus.subscribe('metrics', 'm', () => calls.push('metrics'));
        bus.subscribe('notify', 'n2', () => calls.push('notify 2'));
        bus.emit(e);
        assert.deepEqual(calls, ['log', 'metrics', 'record', 'pool', 'notify', 'notify 2', 'extra']);
    });
    it('a subscriber that throws is reported and the others still hear the event', () => {
        const calls = [];
        const failures = [];
        const bus = new EventBus((name, ev, err) => failures.push(`${name}:${ev.type}:${err.message}`));
        bus.subscribe('log', 'log', () => calls.push('log'));
        bus.subscribe('metrics', 'broken', () => {
            throw new Error('boom');
        });
        bus.subscribe('notify', 'notify', () => calls.push('notify'));
        bus.emit(e);
        assert.deepEqual(calls, ['log', 'notify']);
        assert.deepEqual(failures, ['broken:daemon:boom']);
    });
    it('unsubscribing stops delivery', () => {
        let n = 0;
        const bus = new EventBus(() => { });
        const off = bus.subscribe('extra', 'x', () => n++);
        bus.emit(e);
        off();
        bus.emit(e);
        assert.equal(n, 1);
    });
});
//# sourceMappingURL=event-bus.test.js.map