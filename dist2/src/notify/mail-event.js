import { createHash } from 'node:crypto';
export function mailEventId(e) {
    return createHash('sha1').update(JSON.stringify([e.kind, e.since ?? e.at, e.vs, e.rs, e.vrrp?.name, e.vrrp?.state, e.checkError?.reason])).digest('hex').slice(0, 20);
}
//# sourceMappingURL=mail-event.js.map