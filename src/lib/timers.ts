/**
 * Timers behind an interface, so time-driven logic (the scheduler, the pool
 * keeper's retries and repairs, the mail digest) can be driven by virtual
 * time in tests. Real timers are unref'd: they never keep a process alive by
 * themselves (the daemon's HTTP server does that).
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * setInterval on the given timers: `fn` every `ms` until the returned
 * function is called. The next tick is armed before `fn` runs, so a throwing
 * or slow (async) `fn` does not stop the cadence.
 */
export function every(timers: Timers, ms: number, fn: () => void): () => void {
  let handle: unknown;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    handle = timers.setTimeout(tick, ms);
    fn();
  };
  handle = timers.setTimeout(tick, ms);
  return () => {
    stopped = true;
    timers.clearTimeout(handle);
  };
}
