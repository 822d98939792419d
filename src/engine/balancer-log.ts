import type { ReconcileReport } from '../actuators/actuator.js';
import type { Logger } from '../log.js';

/** One reconcile's report in the log: each change, each problem, and what the balancer holds that the config does not name. */
export function logReport(log: Logger, balancer: string, dryRun: boolean, report: ReconcileReport): void {
  for (const c of report.changes) {
    if (c.applied) log.info({ vs: c.vs, balancer, command: c.command }, 'balancer changed');
    else if (dryRun) log.info({ vs: c.vs, balancer, command: c.command, applied: false }, 'balancer change not applied (dry run)');
  }
  for (const p of report.problems) log.error({ vs: p.vs, member: p.member, balancer, problem: p.message }, 'balancer configuration problem');
  for (const n of report.notes ?? []) log.warn({ vs: n.vs, member: n.member, balancer, detail: n.message }, 'balancer table differs from the config');
}
