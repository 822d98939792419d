import type { ServerCounters } from '../actuators/haproxy/error-counters.js';
import type { ActivePassiveSpec } from '../actuators/haproxy/passive-spec.js';

/**
 * One server's passive health between two reads of HAProxy's counters. Pure.
 *
 * HAProxy counts errors per request and acts on `error-limit` *consecutive*
 * ones; its counters only give how many errors and good answers a read
 * interval had, not their order. So a run is counted only across reads that
 * had no good answer at all: a read with one good answer ends the run (the
 * errors may have come before it), and errors with no good answer add to it.
 * That never acts sooner than HAProxy would; a server that fails most but not
 * all requests is what `errorRate` is for.
 */
export interface PassiveTrack {
  /** The counters of the last read; null before the first (the first read is only a baseline). */
  last: ServerCounters | null;
  /** Errors in the current run of reads without a good answer. */
  run: number;
  /** Errors seen since rsguard started watching (for status and metrics). */
  errors: number;
  /** Good answers seen since then. */
  ok: number;
}

export interface PassiveWindow {
  errors: number;
  ok: number;
  /** Why the on-error action is due now (a run reached errorLimit, or errorRate); absent when it is not. */
  trip?: string;
}

export function initialTrack(): PassiveTrack {
  return { last: null, run: 0, errors: 0, ok: 0 };
}

/** Errors and good answers in a delta, as `observe` counts them. */
export function classify(observe: ActivePassiveSpec['observe'], d: Omit<ServerCounters, 'backend' | 'server' | 'addr'>): { errors: number; ok: number } {
  // Every failed connect attempt counts (HAProxy's health_adjust hears each, retried or not).
  const l4 = d.econ + d.wretr;
  // stot counts every attempt, retries too (HAProxy 2.6: 2 refused requests, 3 retries each: stot 8, econ 2, wretr 6).
  if (observe === 'layer4') return { errors: l4, ok: Math.max(0, d.stot - l4) };
  // Layer 7 counts 5xx answers too (HAProxy spares 501 and 505; hrsp_5xx does not tell them apart) and broken responses:
  // eresp, where a server timeout (HAProxy's 504) and an aborted answer go, not into the server's hrsp_5xx.
  return { errors: l4 + d.hrsp5xx + d.eresp, ok: d.hrsp1xx + d.hrsp2xx + d.hrsp3xx + d.hrsp4xx };
}

const COUNTERS = ['stot', 'econ', 'wretr', 'eresp', 'hrsp1xx', 'hrsp2xx', 'hrsp3xx', 'hrsp4xx', 'hrsp5xx'] as const;

/**
 * The next track from a new read. A counter that went down (HAProxy restarted
 * or reloaded, `clear counters`) makes this read a new baseline: nothing is
 * counted from it, and the run starts over.
 */
export function observeRead(prev: PassiveTrack, now: ServerCounters, spec: ActivePassiveSpec): { next: PassiveTrack; window: PassiveWindow } {
  const last = prev.last;
  if (!last || COUNTERS.some((k) => now[k] < last[k])) return { next: { ...prev, last: now, run: 0 }, window: { errors: 0, ok: 0 } };
  const delta = Object.fromEntries(COUNTERS.map((k) => [k, now[k] - last[k]])) as Record<(typeof COUNTERS)[number], number>;
  const { errors, ok } = classify(spec.observe, delta);
  const run = ok > 0 ? 0 : prev.run + errors;
  let trip: string | undefined;
  if (run >= spec.errorLimit) trip = `${run} errors in a row (${spec.observe}, error-limit ${spec.errorLimit})`;
  else if (spec.errorRate && errors + ok >= spec.errorRate.minRequests && (errors * 100) / (errors + ok) >= spec.errorRate.percent) {
    trip = `${errors} errors in ${errors + ok} answers (${spec.observe}, errorRate ${spec.errorRate.percent}%)`;
  }
  // Acting starts a new run, as HAProxy zeroes its consecutive errors once on-error has run.
  const next: PassiveTrack = { last: now, run: trip ? 0 : run, errors: prev.errors + errors, ok: prev.ok + ok };
  return { next, window: { errors, ok, ...(trip ? { trip } : {}) } };
}
