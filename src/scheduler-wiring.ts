import type { Model } from './model/model.js';
import type { Monitor } from './engine/monitor.js';
import type { ServerHistory } from './history/server-history.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/metrics.js';
import type { ProbeQueue } from './scheduler/job.js';
import { Scheduler } from './scheduler/scheduler.js';

/**
 * The scheduler and what one outcome does: metrics first (they count what
 * ran, whatever the state does with it), then the state, then the page's
 * history. A fault on that path is rsguard's (Scheduler.applied): counted,
 * logged once per check with its stack (a bug that repeats every interval on
 * thousands of checks would flood the log and bury the first report), and
 * the check keeps its state.
 */
export function wireScheduler(model: Model, queue: ProbeQueue, clock: () => number, metrics: Metrics, monitor: Monitor, history: ServerHistory, log: Logger): Scheduler {
  const logged = new Set<string>();
  const scheduler = new Scheduler({
    queue,
    clock,
    handleOutcome: (outcome) => {
      metrics.observeOutcome(outcome);
      const delay = monitor.apply(outcome.job.checkId, outcome.result, outcome.finishedAt);
      history.observeSafely(outcome.job.checkId, outcome.result, outcome.finishedAt);
      return delay;
    },
    onError: (err, checkId) => {
      metrics.internalErrors.inc({ where: 'outcome' });
      if (logged.has(checkId)) return;
      logged.add(checkId);
      log.error({ err: err.message, stack: err.stack, check: checkId }, 'outcome not applied: a fault of rsguard, the check keeps its state and runs again next interval (logged once per check)');
    },
  });
  scheduler.setChecks(model.checks, model.global.startupSpreadMs);
  return scheduler;
}
