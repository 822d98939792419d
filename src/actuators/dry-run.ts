import type { Actuator } from './actuator.js';

/** `rsguard run --dry-run`: reads the balancer and plans as usual, writes nothing, and says so per change (applied: false). */
export function dryRun(inner: Actuator): Actuator {
  return {
    kind: inner.kind,
    plan: (desired, scope) => inner.plan(desired, scope),
    apply: async (commands) => ({ changes: commands.map((c) => ({ vs: c.vs, command: c.command, applied: false })), problems: [] }),
    planStop: (desired) => inner.planStop(desired),
    activeConnections: (vs, member) => inner.activeConnections(vs, member),
    // Watching reads only; `settled` writes a file, so a dry run has none.
    ...(inner.watch ? { watch: inner.watch.bind(inner) } : {}),
    ...(inner.leftAlone ? { leftAlone: inner.leftAlone.bind(inner) } : {}),
    ...(inner.reconfigure ? { reconfigure: inner.reconfigure.bind(inner) } : {}),
  };
}
