import { applyResult, initialCheckState, nextDelayMs } from '../state/check-state.js';
import { serverView } from '../state/server-state.js';
import { CheckErrorTracker } from './check-errors.js';
import { serverKey } from '../config/model-index.js';
/**
 * Holds the state of every check and turns probe results into server events.
 * It is the one writer of state: results for a check are applied in order,
 * and every real server that uses the check sees the change.
 */
export class Monitor {
    sink;
    clock;
    model;
    states = new Map();
    bindingsByCheck = new Map();
    servers = new Map();
    errors = new CheckErrorTracker();
    constructor(model, sink, clock = Date.now) {
        this.sink = sink;
        this.clock = clock;
        this.model = model;
        this.index(model);
    }
    /** The record of one real server in one virtual service. */
    serverRecord(vsKey, rsKey) {
        return this.servers.get(serverKey(vsKey, rsKey));
    }
    serverRecords() {
        return this.servers.values();
    }
    /** Checks that cannot run now, by reason. */
    checkErrors() {
        return this.errors.reasons();
    }
    erroringChecks() {
        return this.errors.count();
    }
    /**
     * Swaps in a new model without a flap. A check with the same id keeps its
     * state; one whose only change is timing takes over the old state; a new
     * check on a real server that was hard down starts hard down, so a reload
     * never brings a dead server back unchecked.
     */
    reload(model) {
        const old = this.model;
        const byIdentity = new Map();
        for (const [id, check] of old.checks) {
            const state = this.states.get(id);
            if (state)
                byIdentity.set(check.identity, state);
        }
        const downServers = new Set();
        for (const r of this.servers.values())
            if (r.hardState === 'down')
                downServers.add(serverKey(r.vs.key, r.rs.key));
        const now = this.clock();
        for (const [id, check] of model.checks) {
            if (this.states.has(id))
                continue;
            const carried = byIdentity.get(check.identity);
            if (carried)
                this.states.set(id, carried);
            else if (this.usedByDownServer(model, id, downServers))
                this.states.set(id, initialCheckState({ ...check.timing, alpha: true }, now));
        }
        for (const id of [...this.states.keys()]) {
            if (model.checks.has(id))
                continue;
            this.states.delete(id);
            this.trackError(id, null, now);
        }
        this.model = model;
        this.index(model);
    }
    usedByDownServer(model, checkId, down) {
        return model.virtualServices.some((vs) => vs.realServers.some((rs) => rs.checkIds.includes(checkId) && down.has(serverKey(vs.key, rs.key))));
    }
    index(model) {
        const now = this.clock();
        for (const [id, check] of model.checks)
            if (!this.states.has(id))
                this.states.set(id, initialCheckState(check.timing, now));
        const bindings = new Map();
        const servers = new Map();
        for (const vs of model.virtualServices) {
            for (const rs of vs.realServers) {
                const binding = { vs, rs, ref: { vs: vs.key, vsName: vs.name, rs: rs.key } };
                const key = serverKey(vs.key, rs.key);
                const old = this.servers.get(key);
                const hardState = this.server(rs).hardState;
                servers.set(key, {
                    vs,
                    rs,
                    ref: binding.ref,
                    hardState,
                    hardSince: old && old.hardState === hardState ? old.hardSince : old ? now : -Infinity,
                    downCheck: old?.downCheck ?? null,
                    downReason: old?.downReason ?? '',
                });
                for (const id of rs.checkIds) {
                    const list = bindings.get(id);
                    if (list)
                        list.push(binding);
                    else
                        bindings.set(id, [binding]);
                }
            }
        }
        this.bindingsByCheck = bindings;
        this.servers = servers;
    }
    get current() {
        return this.model;
    }
    /** Takes over saved states (distributed mode restart) for checks that still exist; they replace fresh ones. */
    restore(states) {
        let n = 0;
        for (const [id, state] of states) {
            if (!this.model.checks.has(id))
                continue;
            this.states.set(id, { ...state, checkError: null });
            n++;
        }
        // The server table follows the restored states (a down server restored is down for the pool keeper too).
        this.servers = new Map();
        this.index(this.model);
        return n;
    }
    /** Called with every state that changed, for persistence. */
    onStateChange;
    /** No answer for over three intervals plus a timeout (workers or Redis away): its state is the last known one. */
    isStale(id, now) {
        const c = this.model.checks.get(id);
        const s = this.states.get(id);
        if (!c || !s)
            return false;
        // A check error is an answer too: the worker ran and said it could not check (shown as checkError instead).
        const heard = Math.max(s.lastCheck?.at ?? s.lastHardChangeAt, s.checkError?.at ?? -Infinity);
        return now - heard > 3 * c.timing.intervalMs + c.timing.timeoutMs;
    }
    checkState(id) {
        return this.states.get(id);
    }
    check(id) {
        return this.model.checks.get(id);
    }
    server(rs) {
        return serverView(rs.checkIds.map((id) => ({ id, state: this.states.get(id) })));
    }
    /** Applies one result and returns the delay until the check should run again (0 when it is gone). */
    apply(checkId, result, at = this.clock()) {
        const check = this.model.checks.get(checkId);
        const prev = this.states.get(checkId);
        if (!check || !prev)
            return 0;
        const { next, transitions } = applyResult(prev, check.timing, result, at);
        this.states.set(checkId, next);
        // Starting, stopping or changing reason: the tracker tells whether that begins or ends an alert.
        if (next.checkError?.reason !== prev.checkError?.reason)
            this.trackError(checkId, next.checkError?.reason ?? null, at, next.checkError?.detail);
        // Most results change nothing visible; only then are server views built (this is the probe hot path).
        if (transitions.soft || transitions.hard || transitions.flapping) {
            for (const b of this.bindingsByCheck.get(checkId) ?? []) {
                const before = serverView(b.rs.checkIds.map((id) => ({ id, state: id === checkId ? prev : this.states.get(id) })));
                this.emitServerChanges(b, before, this.server(b.rs), at, prev.lastHardChangeAt);
            }
        }
        // Persisted after the events (so the mail is spooled first: a crash can repeat a mail, never lose one)
        // and before the pool keeper reconciles, which waits for setImmediate.
        this.onStateChange?.(checkId, next);
        return nextDelayMs(next, check.timing);
    }
    trackError(checkId, reason, at, detail = '') {
        const check = this.model.checks.get(checkId)?.label ?? checkId;
        for (const c of this.errors.set(checkId, reason)) {
            this.sink({ type: 'check-error', at, reason: c.reason, active: c.active, checks: this.errors.count(c.reason), check, detail: c.active ? detail : '' });
        }
    }
    emitServerChanges(b, before, after, at, since) {
        const decider = after.failingCheck ?? before.failingCheck;
        const check = decider ? (this.model.checks.get(decider)?.label ?? decider) : null;
        const reason = (decider && this.states.get(decider)?.lastCheck?.detail) ?? after.lastCheck?.detail ?? '';
        if (before.hardState !== after.hardState) {
            // The record changes before anyone hears of it, so every reader sees the same table.
            const record = this.servers.get(serverKey(b.vs.key, b.rs.key));
            if (record) {
                record.hardState = after.hardState;
                record.hardSince = at;
                record.downCheck = after.hardState === 'down' ? check : null;
                record.downReason = after.hardState === 'down' ? reason : '';
            }
            this.sink({ type: 'server-hard', at, since, server: b.ref, from: before.hardState, to: after.hardState, check, reason });
        }
        else if (before.state !== after.state || before.stateType !== after.stateType) {
            this.sink({ type: 'server-soft', at, server: b.ref, from: before.state, to: after.state, fromType: before.stateType, toType: after.stateType, check, reason });
        }
        if (before.flapping !== after.flapping) {
            const percent = Math.max(0, ...b.rs.checkIds.map((id) => this.states.get(id)?.flap.percent ?? 0));
            this.sink({ type: 'server-flapping', at, server: b.ref, flapping: after.flapping, percent });
        }
    }
}
//# sourceMappingURL=monitor.js.map