import { initialFlap, recordFlap } from './flap.js';
export function stateType(s) {
    return s.state === s.hardState ? 'hard' : 'soft';
}
export function initialCheckState(timing, now) {
    const start = timing.alpha ? 'down' : 'up';
    return {
        state: start,
        hardState: start,
        consecutiveOk: 0,
        consecutiveFail: 0,
        window: timing.window ? new Array(timing.window.size).fill(!timing.alpha) : [],
        awaitingFirstSuccess: timing.alpha,
        flap: initialFlap(),
        lastCheck: null,
        lastHardChangeAt: now,
        results: 0,
        checkError: null,
    };
}
function nextHard(prev, timing, ok, window, consecutiveOk, consecutiveFail) {
    if (ok && prev.awaitingFirstSuccess)
        return 'up';
    if (timing.window) {
        const passed = window.reduce((n, v) => n + (v ? 1 : 0), 0);
        return passed >= timing.window.minOk ? 'up' : 'down';
    }
    if (prev.hardState === 'up')
        return consecutiveFail >= timing.fall ? 'down' : 'up';
    return consecutiveOk >= timing.rise ? 'up' : 'down';
}
/**
 * A check that could not run says nothing about the server: no counter, no
 * window slot, no flap sample moves, so the last state (soft or hard) holds.
 * Only the error itself is recorded, to be shown and alerted.
 */
export function applyCheckError(prev, result, now) {
    const was = prev.checkError ?? null;
    const checkError = { reason: result.error, detail: result.detail, since: was ? was.since : now, at: now, count: (was?.count ?? 0) + 1 };
    const transitions = was ? {} : { error: 'start' };
    return { next: { ...prev, checkError }, transitions };
}
export function applyResult(prev, timing, result, now) {
    if (result.error)
        return applyCheckError(prev, result, now);
    const ok = result.ok;
    const consecutiveOk = ok ? prev.consecutiveOk + 1 : 0;
    const consecutiveFail = ok ? 0 : prev.consecutiveFail + 1;
    let window = prev.window;
    if (timing.window) {
        const size = timing.window.size;
        const base = ok && prev.awaitingFirstSuccess ? new Array(size).fill(true) : prev.window;
        window = [...base.slice(Math.max(0, base.length - size + 1)), ok];
    }
    const hardState = nextHard(prev, timing, ok, window, consecutiveOk, consecutiveFail);
    const state = ok ? 'up' : 'down';
    const flap = recordFlap(prev.flap, ok, timing.flap);
    const next = {
        state,
        hardState,
        consecutiveOk,
        consecutiveFail,
        window,
        awaitingFirstSuccess: prev.awaitingFirstSuccess && !ok,
        flap,
        lastCheck: { ok, at: now, durationMs: result.durationMs, detail: result.detail, ...(result.reason ? { reason: result.reason } : {}) },
        lastHardChangeAt: hardState !== prev.hardState ? now : prev.lastHardChangeAt,
        results: prev.results + 1,
        checkError: null,
    };
    const transitions = prev.checkError ? { error: 'stop' } : {};
    const fromType = stateType(prev);
    const toType = stateType(next);
    if (state !== prev.state || fromType !== toType)
        transitions.soft = { from: prev.state, to: state, fromType, toType };
    if (hardState !== prev.hardState)
        transitions.hard = { from: prev.hardState, to: hardState };
    if (flap.flapping !== prev.flap.flapping)
        transitions.flapping = flap.flapping ? 'start' : 'stop';
    return { next, transitions };
}
/**
 * When the check runs next: `retryInterval` while its state is soft (confirm
 * quickly either way, like HAProxy fastinter and keepalived delay_before_retry),
 * else `interval`.
 */
export function nextDelayMs(s, timing) {
    return stateType(s) === 'soft' ? timing.retryIntervalMs : timing.intervalMs;
}
//# sourceMappingURL=check-state.js.map