import type { Timing } from '../../src/model/model.js';

export function timing(overrides: Partial<Timing> = {}): Timing {
  return { intervalMs: 1000, timeoutMs: 500, retryIntervalMs: 200, fall: 3, rise: 2, window: null, alpha: false, flap: { low: 20, high: 30 }, ...overrides };
}
