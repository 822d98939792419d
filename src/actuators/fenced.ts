import { BalancerUnavailable, type Actuator } from './actuator.js';
import { wrapActuator } from './wrap.js';

/** What the fence asks: may this process write to the balancer right now. */
export interface WriteFence {
  valid(): boolean;
  /** Awaited before the lease is asked and the write made: what must be durable before the balancer shows it. */
  beforeWrite?: () => Promise<void>;
  /**
   * Grows each time writes open anew (a takeover has read the last leader's
   * state). A write planned under an older one is refused: its pool came from
   * what this process knew as a standby, before the states it took over.
   */
  epoch?: () => number;
}

/**
 * Distributed mode with several schedulers: only the holder of the leader
 * lease writes to the balancer, and it asks right before each write, so a
 * leader that was paused past its lease and wakes mid-reconcile writes
 * nothing. A refused write is BalancerUnavailable: the reconciler keeps the
 * desired pool and tries again later, which is what a leader that lost and
 * regains the lease needs. Reads go through: a standby may plan and show.
 * `planStop` is fenced too: a standby stopping must not clean the leader's
 * services away. `beforeWrite` runs first (the check states reach Redis), so
 * the lease is asked after any wait it brings.
 */
export function fenced(inner: Actuator, fence: WriteFence): Actuator {
  const check = (what: string) => {
    if (!fence.valid()) throw new BalancerUnavailable(`not the leader: ${what} left to the scheduler that holds the lease`);
  };
  // The epoch each desired pool was planned under (reconcile plans and applies the same array).
  const plannedIn = new WeakMap<object, number>();
  return wrapActuator(inner, {
    plan: (desired, scope) => {
      if (fence.epoch) plannedIn.set(desired, fence.epoch());
      return inner.plan(desired, scope);
    },
    apply: async (commands, desired) => {
      await fence.beforeWrite?.();
      check('balancer write');
      const at = plannedIn.get(desired);
      if (fence.epoch && at !== undefined && at !== fence.epoch()) throw new BalancerUnavailable('planned before this scheduler took over the lease: planned again from the states it took over');
      return inner.apply(commands, desired);
    },
    planStop: async (desired) => (fence.valid() ? inner.planStop(desired) : []),
    ...(inner.settled ? { settled: async (changed: boolean) => (fence.valid() ? inner.settled!(changed) : []) } : {}),
  });
}
