/**
 * Who hears an event, in this order. The log comes first, so a transition is
 * on record before anything acts on it; metrics and the recent-events ring
 * next; then the pool keeper (which only queues a replan); then
 * notifications (mail is spooled synchronously here, before the pool keeper's
 * reconcile runs); `extra` is for tests and embedders.
 */
export const STAGES = ['log', 'metrics', 'record', 'pool', 'notify', 'extra'];
/**
 * The one path every monitor event takes: the state engine, the pool keeper
 * (quorum, sorry server, safety valve) and the VRRP inputs emit here, and
 * each subscriber is called in stage order. A subscriber that throws is
 * logged through `onFailure` and the others still run.
 */
export class EventBus {
    onFailure;
    subscribers = [];
    constructor(onFailure) {
        this.onFailure = onFailure;
    }
    subscribe(stage, name, fn) {
        const s = { stage: STAGES.indexOf(stage), name, fn };
        // Stable: within a stage, subscribers run in the order they subscribed.
        this.subscribers = [...this.subscribers, s].sort((a, b) => a.stage - b.stage);
        return () => {
            this.subscribers = this.subscribers.filter((x) => x !== s);
        };
    }
    emit = (e) => {
        for (const s of this.subscribers) {
            try {
                s.fn(e);
            }
            catch (err) {
                this.onFailure(s.name, e, err);
            }
        }
    };
}
//# sourceMappingURL=bus.js.map