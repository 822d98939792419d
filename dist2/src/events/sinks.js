import { logEvent } from './log-sink.js';
/**
 * Every sink of the event bus, in one list. A new sink is a line here (and
 * the object it feeds): its stage decides what has already happened when it
 * hears an event (see STAGES in bus.ts).
 */
export const SINKS = [
    { stage: 'log', name: 'log', sink: (t) => (e) => logEvent(t.log, e) },
    { stage: 'metrics', name: 'metrics', sink: (t) => (e) => t.metrics.observeEvent(e) },
    { stage: 'record', name: 'recent events', sink: (t) => (e) => t.recent.add(e) },
    { stage: 'record', name: 'vrrp states', sink: (t) => (e) => t.vrrp.onEvent(e) },
    { stage: 'pool', name: 'pool keeper', sink: (t) => (e) => t.pools.onEvent(e) },
    { stage: 'notify', name: 'notifications', sink: (t) => (e) => t.notifications.onEvent(e) },
    { stage: 'extra', name: 'onEvent', sink: (t) => t.extra },
];
export function subscribeSinks(bus, targets) {
    for (const d of SINKS) {
        const fn = d.sink(targets);
        if (fn)
            bus.subscribe(d.stage, d.name, fn);
    }
}
//# sourceMappingURL=sinks.js.map