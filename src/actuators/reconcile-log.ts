import type { Logger } from 'pino';
import type { ReconcileReport } from './actuator.js';

/** One reconcile's report in the log: each change (applied or not: a dry run applies none), each problem, and what the balancer holds that the config does not name. */
export function logReport(log: Logger, balancer: string, report: ReconcileReport): void {
  for (const c of report.changes) {
    if (c.applied) log.info({ vs: c.vs, balancer, command: c.command }, 'balancer changed');
    else log.info({ vs: c.vs, balancer, command: c.command, applied: false }, 'balancer change not applied');
  }
  for (const p of report.problems) log.error({ vs: p.vs, member: p.member, balancer, problem: p.message }, 'balancer configuration problem');
  for (const n of report.notes ?? []) log.warn({ vs: n.vs, member: n.member, balancer, detail: n.message }, 'balancer table differs from the config');
}
