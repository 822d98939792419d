import type { Actuator } from './actuator.js';
import { wrapActuator } from './wrap.js';

/** `rsguard run --dry-run`: reads the balancer and plans as usual, writes nothing, and says so per change (applied: false). */
export function dryRun(inner: Actuator): Actuator {
  return wrapActuator(inner, {
    apply: async (commands) => ({ changes: commands.map((c) => ({ vs: c.vs, command: c.command, applied: false })), problems: [] }),
    // Watching reads only; `settled` writes a file, so a dry run has none.
    settled: undefined,
  });
}
