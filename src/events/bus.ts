import type { EventSink, MonitorEvent } from '../engine/events.js';

/**
 * Who hears an event, in this order. The log comes first, so a transition is
 * on record before anything acts on it; metrics and the recent-events ring
 * next; then the pool keeper (which only queues a replan); then
 * notifications (mail is spooled synchronously here, before the pool keeper's
 * reconcile runs); `extra` is for tests and embedders.
 */
export const STAGES = ['log', 'metrics', 'record', 'pool', 'notify', 'extra'] as const;
export type Stage = (typeof STAGES)[number];

interface Subscriber {
  stage: number;
  name: string;
  fn: EventSink;
}

/**
 * The one path every monitor event takes: the state engine, the pool keeper
 * (quorum, sorry server, safety valve) and the VRRP inputs emit here, and
 * each subscriber is called in stage order. A subscriber that throws is
 * logged through `onFailure` and the others still run.
 */
export class EventBus {
  private subscribers: Subscriber[] = [];

  constructor(private readonly onFailure: (subscriber: string, event: MonitorEvent, err: unknown) => void) {}

  subscribe(stage: Stage, name: string, fn: EventSink): () => void {
    const s: Subscriber = { stage: STAGES.indexOf(stage), name, fn };
    // Stable: within a stage, subscribers run in the order they subscribed.
    this.subscribers = [...this.subscribers, s].sort((a, b) => a.stage - b.stage);
    return () => {
      this.subscribers = this.subscribers.filter((x) => x !== s);
    };
  }

  readonly emit = (e: MonitorEvent): void => {
    for (const s of this.subscribers) {
      try {
        s.fn(e);
      } catch (err) {
        this.onFailure(s.name, e, err);
      }
    }
  };
}
