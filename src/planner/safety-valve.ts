import type { Health } from '../state/check-state.js';

/**
 * The safety valve (`maxDownFraction`, off by default). A checker that sees
 * most of a pool die at once is more often wrong (its own network, a switch
 * port, a DNS outage on the director) than the pool is dead. When more than
 * the fraction of a virtual service's real servers go hard down within one
 * interval, the excess is held in the pool until a second round of checks,
 * run after the hold began, confirms each one; then it is applied, and with
 * every server confirmed down the sorry server comes in as usual. Pure.
 */
export interface ValveServer {
  key: string;
  /** The monitor's hard state. */
  hardState: Health;
  /** When that hard state began (-Infinity: since start). */
  hardSince: number;
  /** The oldest latest-result time over the server's checks: a later round has run for all of them once this passes a time. */
  checkedAt: number;
}

export interface ValveInput {
  servers: readonly ValveServer[];
  /** Held servers and when their hold began. */
  held: ReadonlyMap<string, number>;
  /** The effective states of the previous call (what the balancer was told); absent at start. */
  previous: ReadonlyMap<string, Health> | undefined;
  maxDownFraction: number | null;
  intervalMs: number;
  now: number;
}

export interface ValveResult {
  /** The hard state the planner should use: held servers stay up. */
  effective: Map<string, Health>;
  held: Map<string, number>;
  /** Servers newly held by this call. */
  newlyHeld: number;
  /** Held servers whose second round confirmed them down (applied from now on). */
  confirmed: number;
}

/** A held server's hold is over: it came back, or a round run after the hold began still says down. */
export function holdSettled(s: Pick<ValveServer, 'hardState' | 'checkedAt'>, heldSince: number): boolean {
  return s.hardState === 'up' || s.checkedAt > heldSince;
}

export function applySafetyValve(input: ValveInput): ValveResult {
  const { servers, maxDownFraction, intervalMs, now, previous } = input;
  const effective = new Map<string, Health>();
  const held = new Map<string, number>();
  let confirmed = 0;
  let newlyHeld = 0;
  if (maxDownFraction === null) {
    for (const s of servers) effective.set(s.key, s.hardState);
    return { effective, held, newlyHeld, confirmed };
  }
  // "More than the fraction": with 4 servers and 0.5, two may go at once, the third waits.
  const budget = Math.floor(maxDownFraction * servers.length + 1e-9);
  const recent = (s: ValveServer) => s.hardState === 'down' && now - s.hardSince <= intervalMs;
  let spent = 0;
  for (const s of servers) if (recent(s) && !input.held.has(s.key) && previous?.get(s.key) === 'down') spent++;
  for (const s of servers) {
    const since = input.held.get(s.key);
    if (since !== undefined) {
      // Held before: back up means nothing to apply; a round run after the hold that still says down confirms it.
      if (!holdSettled(s, since)) held.set(s.key, since);
      else if (s.hardState === 'down') confirmed++;
    } else if (recent(s) && previous?.get(s.key) !== 'down') {
      if (spent < budget) spent++;
      else {
        held.set(s.key, now);
        newlyHeld++;
      }
    }
    effective.set(s.key, held.has(s.key) ? 'up' : s.hardState);
  }
  return { effective, held, newlyHeld, confirmed };
}
