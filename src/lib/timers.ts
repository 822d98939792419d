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
