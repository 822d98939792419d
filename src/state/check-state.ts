import type { Timing } from '../model/model.js';
import type { CheckErrorReason, ProbeResult } from '../probes/types.js';
import { initialFlap, recordFlap, type FlapState } from './flap.js';

/**
 * Soft and hard states of one check, like Nagios: a failure first makes the
 * state DOWN/SOFT; only `fall` consecutive failures (or a k-of-n window going
 * under its minimum) make it DOWN/HARD, and only hard states move weights.
 * Recovery mirrors it with `rise`. Pure: no clocks, no I/O.
 */
export type Health = 'up' | 'down';
export type StateType = 'soft' | 'hard';

export interface LastCheck {
  /** null: the check ran and said nothing of the health (a neutral result), neither a pass nor a failure. */
  ok: boolean | null;
  at: number;
  durationMs: number;
  detail: string;
  reason?: string;
}

/** The check cannot run (rsguard's own fault); its state is held as it was. */
export interface CheckError {
  reason: CheckErrorReason;
  detail: string;
  /** When the run of errors began, and the latest one. */
  since: number;
  at: number;
  count: number;
}

export interface CheckState {
  /** The latest observed state (soft or hard). */
  state: Health;
  /** The state the balancer acts on. */
  hardState: Health;
  consecutiveOk: number;
  consecutiveFail: number;
  /** Recent outcomes for the k-of-n window, oldest first. */
  window: boolean[];
  /** Started under `alpha` and has not passed yet: the first success brings it up at once. */
  awaitingFirstSuccess: boolean;
  flap: FlapState;
  lastCheck: LastCheck | null;
  lastHardChangeAt: number;
  results: number;
  /** Set while the check cannot run; cleared by the next real result. Absent in states saved by older versions. */
  checkError?: CheckError | null;
}

export interface CheckTransitions {
  soft?: { from: Health; to: Health; fromType: StateType; toType: StateType };
  hard?: { from: Health; to: Health };
  flapping?: 'start' | 'stop';
  /** The check began or stopped failing to run. */
  error?: 'start' | 'stop';
}

export function stateType(s: Pick<CheckState, 'state' | 'hardState'>): StateType {
  return s.state === s.hardState ? 'hard' : 'soft';
}

export function initialCheckState(timing: Timing, now: number): CheckState {
  const start: Health = timing.alpha ? 'down' : 'up';
  return {
    state: start,
    hardState: start,
    consecutiveOk: 0,
    consecutiveFail: 0,
    window: timing.window ? new Array<boolean>(timing.window.size).fill(!timing.alpha) : [],
    awaitingFirstSuccess: timing.alpha,
    flap: initialFlap(),
    lastCheck: null,
    lastHardChangeAt: now,
    results: 0,
    checkError: null,
  };
}

function nextHard(prev: CheckState, timing: Timing, ok: boolean, window: boolean[], consecutiveOk: number, consecutiveFail: number): Health {
  if (ok && prev.awaitingFirstSuccess) return 'up';
  if (timing.window) {
    const passed = window.reduce((n, v) => n + (v ? 1 : 0), 0);
    return passed >= timing.window.minOk ? 'up' : 'down';
  }
  if (prev.hardState === 'up') return consecutiveFail >= timing.fall ? 'down' : 'up';
  return consecutiveOk >= timing.rise ? 'up' : 'down';
}

/**
 * A check that could not run says nothing about the server: no counter, no
 * window slot, no flap sample moves, so the last state (soft or hard) holds.
 * Only the error itself is recorded, to be shown and alerted.
 */
export function applyCheckError(prev: CheckState, result: ProbeResult & { error: CheckErrorReason }, now: number): { next: CheckState; transitions: CheckTransitions } {
  const was = prev.checkError ?? null;
  const checkError: CheckError = { reason: result.error, detail: result.detail, since: was ? was.since : now, at: now, count: (was?.count ?? 0) + 1 };
  const transitions: CheckTransitions = was ? {} : { error: 'start' };
  return { next: { ...prev, checkError }, transitions };
}

/**
 * A result that says nothing of the server's health (HAProxy's agent with no
 * up/down word, or not reached: ProbeResult.neutral): like a check error, no
 * counter, window slot or flap sample moves and the state holds; unlike one,
 * the check did run: it is the last check seen, and ends a run of errors.
 */
function applyNeutral(prev: CheckState, result: ProbeResult, now: number): { next: CheckState; transitions: CheckTransitions } {
  const lastCheck: LastCheck = { ok: null, at: now, durationMs: result.durationMs, detail: result.detail };
  if (result.reason) lastCheck.reason = result.reason;
  return { next: { ...prev, lastCheck, results: prev.results + 1, checkError: null }, transitions: prev.checkError ? { error: 'stop' } : {} };
}

/**
 * Failures counted after a passive result, as HAProxy's on-error sets the
 * check's health (check.c): sudden-death leaves it one failure from down
 * (fall - 1 failures; with fall 1 this one is fatal), mark-down all of them.
 */
function passiveFails(fails: number, passive: ProbeResult['passive'], timing: Timing): number {
  if (passive === 'sudden-death') return Math.max(fails, timing.fall - 1);
  if (passive === 'mark-down') return Math.max(fails, timing.fall);
  return fails;
}

export function applyResult(prev: CheckState, timing: Timing, result: ProbeResult, now: number): { next: CheckState; transitions: CheckTransitions } {
  if (result.error) return applyCheckError(prev, result as ProbeResult & { error: CheckErrorReason }, now);
  if (result.neutral) return applyNeutral(prev, result, now);
  const ok = result.ok && !result.passive;
  const consecutiveOk = ok ? prev.consecutiveOk + 1 : 0;
  const consecutiveFail = ok ? 0 : passiveFails(prev.consecutiveFail + 1, result.passive, timing);
  let window = prev.window;
  if (timing.window) {
    const size = timing.window.size;
    const base = ok && prev.awaitingFirstSuccess ? new Array<boolean>(size).fill(true) : prev.window;
    // Marked down: the whole window failed, so it takes passing checks to come back, as `rise` does.
    window = result.passive === 'mark-down' ? new Array<boolean>(size).fill(false) : [...base.slice(Math.max(0, base.length - size + 1)), ok];
  }
  const hardState = result.passive === 'mark-down' ? 'down' : nextHard(prev, timing, ok, window, consecutiveOk, consecutiveFail);
  const state: Health = ok ? 'up' : 'down';
  const flap = recordFlap(prev.flap, ok, timing.flap);
  const lastCheck: LastCheck = { ok, at: now, durationMs: result.durationMs, detail: result.detail };
  if (result.reason) lastCheck.reason = result.reason;
  const next: CheckState = {
    state,
    hardState,
    consecutiveOk,
    consecutiveFail,
    window,
    awaitingFirstSuccess: prev.awaitingFirstSuccess && !ok,
    flap,
    lastCheck,
    lastHardChangeAt: hardState !== prev.hardState ? now : prev.lastHardChangeAt,
    results: prev.results + 1,
    checkError: null,
  };
  const transitions: CheckTransitions = prev.checkError ? { error: 'stop' } : {};
  const fromType = stateType(prev);
  const toType = stateType(next);
  if (state !== prev.state || fromType !== toType) transitions.soft = { from: prev.state, to: state, fromType, toType };
  if (hardState !== prev.hardState) transitions.hard = { from: prev.hardState, to: hardState };
  if (flap.flapping !== prev.flap.flapping) transitions.flapping = flap.flapping ? 'start' : 'stop';
  return { next, transitions };
}

/**
 * When the check runs next: `retryInterval` while its state is soft (confirm
 * quickly either way, like HAProxy fastinter and keepalived delay_before_retry),
 * else `interval`.
 */
export function nextDelayMs(s: CheckState, timing: Timing): number {
  return stateType(s) === 'soft' ? timing.retryIntervalMs : timing.intervalMs;
}
