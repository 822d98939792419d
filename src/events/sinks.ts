import type { EventSink, MonitorEvent } from '../engine/events.js';
import type { Logger } from '../lib/logger.js';
import type { EventBus, Stage } from './bus.js';
import { logEvent } from './log-sink.js';

/**
 * What the sinks need. Each is the narrow face of one object the composition
 * root made: the sinks neither create nor look up anything themselves.
 */
export interface SinkTargets {
  log: Logger;
  metrics: { observeEvent(e: MonitorEvent): void };
  recent: { add(e: MonitorEvent): void };
  pools: { onEvent(e: MonitorEvent): void };
  notifications: { onEvent(e: MonitorEvent): void };
  vrrp: { onEvent(e: MonitorEvent): void };
  /** Tests and embedders: hears every event last. */
  extra?: EventSink;
}

interface SinkDef {
  stage: Stage;
  name: string;
  sink(t: SinkTargets): EventSink | undefined;
}

/**
 * Every sink of the event bus, in one list. A new sink is a line here (and
 * the object it feeds): its stage decides what has already happened when it
 * hears an event (see STAGES in bus.ts).
 */
export const SINKS: readonly SinkDef[] = [
  { stage: 'log', name: 'log', sink: (t) => (e) => logEvent(t.log, e) },
  { stage: 'metrics', name: 'metrics', sink: (t) => (e) => t.metrics.observeEvent(e) },
  { stage: 'record', name: 'recent events', sink: (t) => (e) => t.recent.add(e) },
  { stage: 'record', name: 'vrrp states', sink: (t) => (e) => t.vrrp.onEvent(e) },
  { stage: 'pool', name: 'pool keeper', sink: (t) => (e) => t.pools.onEvent(e) },
  { stage: 'notify', name: 'notifications', sink: (t) => (e) => t.notifications.onEvent(e) },
  { stage: 'extra', name: 'onEvent', sink: (t) => t.extra },
];

export function subscribeSinks(bus: EventBus, targets: SinkTargets): void {
  for (const d of SINKS) {
    const fn = d.sink(targets);
    if (fn) bus.subscribe(d.stage, d.name, fn);
  }
}
