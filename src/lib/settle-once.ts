import { offAbort, onAbort, type Abortable } from './deadline.js';

/**
 * The one shape every deadline-bound exchange shares: a promise that settles
 * once, at the latest when the signal fires, runs `cleanup` (close the
 * socket) whichever way it ends, and leaves no listener on the signal.
 * `start` wires the events and calls `settle(err)` or `settle(undefined, value)`;
 * `isSettled` lets a late event skip building an error nobody will see.
 */
export function settleOnce<T>(
  signal: Abortable,
  cleanup: () => void,
  start: (settle: (err: unknown, value?: T) => void, isSettled: () => boolean) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (err: unknown, value?: T) => {
      if (settled) return;
      settled = true;
      offAbort(signal, abortNow);
      cleanup();
      if (err) reject(err);
      else resolve(value as T);
    };
    const abortNow = () => settle(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return abortNow();
    onAbort(signal, abortNow);
    start(settle, () => settled);
  });
}

/**
 * A client library's promise, given up at the deadline: it rejects when the
 * signal fires, so a library that ignores it cannot hold the probe. The
 * caller closes the client in its `finally`.
 */
export function untilAborted<T>(work: Promise<T>, signal: Abortable): Promise<T> {
  return settleOnce<T>(signal, () => {}, (settle) => {
    work.then(
      (v) => settle(undefined, v),
      (e: unknown) => settle(e ?? new Error('rejected')),
    );
  });
}
