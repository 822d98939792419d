import type { Actuator } from './actuators/actuator.js';
import { syncDaemonDef } from './actuators/ipvs/sync-daemon-keeper.js';
import type { SyncDaemonDef } from './actuators/ipvs/sync-daemon.js';
import { takeBalancerLive } from './actuators/reconfigure.js';
import { restartNeeded } from './config/restart-needed.js';
import { logNameChanges } from './engine/resolve-again.js';
import type { Logger } from './log.js';
import type { CheckDef, Model } from './model/model.js';
import { forgetReadOnce } from './probes/read-once.js';
import type { ReloadHandler, ReloadStage } from './reload-runner.js';

/**
 * What the reload steps act on. Each is the narrow face of one object the
 * composition root made: the steps neither create nor look up anything.
 */
export interface ReloadTargets {
  log: Logger;
  actuator: Actuator;
  monitor: { prepareReload(model: Model, turn: () => Promise<void>): Promise<void>; reload(model: Model): void };
  /** Where check states survive a restart; none without one. */
  store?: { retain(ids: ReadonlySet<string>): void };
  vrrpInputs: { reconfigure(): void };
  pools: { onReload(model: Model, reconcileIntervalMs: number): void };
  syncd?: { reconfigure(def: SyncDaemonDef | undefined, intervalMs: number): void };
  scheduler: { setChecks(checks: ReadonlyMap<string, CheckDef>, spreadMs: number): void };
  /** Probe threads keep their own read-once files (thread-queue.ts). */
  probes?: { reread?(): void };
  resolveAgain: { schedule(model: Model): void };
  /** --listen given: the config's listen address is not the one in use. */
  listenFromCommandLine: boolean;
  mode: 'embedded' | 'distributed';
}

interface ReloadStep {
  stage: ReloadStage;
  name: string;
  onModel(t: ReloadTargets): ReloadHandler['onModel'] | undefined;
}

/**
 * Every step of a reload, in one list (the runner is reload-runner.ts). A new
 * step is a line here: its stage decides what has already happened when it
 * runs; within a stage, the order of the list.
 */
export const RELOAD_STEPS: readonly ReloadStep[] = [
  // The table, bindings and carry plan for the new model, in parts (19,000 new checks held the loop 100 ms in one).
  { stage: 'prepare', name: 'monitor (prepare)', onModel: (t) => (next, _previous, turn) => t.monitor.prepareReload(next, turn) },
  { stage: 'swap', name: 'host names', onModel: (t) => (next, previous) => logNameChanges(t.log, previous, next) },
  {
    stage: 'swap',
    name: 'settings needing a restart',
    onModel: (t) => (next, previous) => {
      const liveBalancer = takeBalancerLive(t.actuator, previous.balancer, next.balancer);
      for (const r of restartNeeded(previous, next, { liveBalancer, listenFromCommandLine: t.listenFromCommandLine, mode: t.mode })) t.log.warn({ setting: r.setting, why: r.why }, 'config change needs a restart');
    },
  },
  // A reload is when an admin expects a rotated CA or a new user to be seen.
  {
    stage: 'swap',
    name: 'read-once files',
    onModel: (t) => () => {
      forgetReadOnce();
      t.probes?.reread?.();
    },
  },
  { stage: 'swap', name: 'monitor', onModel: (t) => (next) => t.monitor.reload(next) },
  { stage: 'swap', name: 'check state store', onModel: (t) => (t.store ? (next) => t.store!.retain(new Set(next.checks.keys())) : undefined) },
  // After the monitor: they read the model through it (the fifo is opened, moved or closed).
  { stage: 'swap', name: 'vrrp inputs', onModel: (t) => () => t.vrrpInputs.reconfigure() },
  { stage: 'pools', name: 'pool keeper', onModel: (t) => (next) => t.pools.onReload(next, next.balancer.reconcileIntervalMs) },
  // Another balancer kind waits for a restart (named by the step above), and so does the sync daemon with it.
  { stage: 'pools', name: 'ipvs sync daemon', onModel: (t) => (t.syncd ? (next) => (next.balancer.kind === 'ipvs' ? t.syncd!.reconfigure(syncDaemonDef(next.balancer), next.balancer.reconcileIntervalMs) : undefined) : undefined) },
  { stage: 'checks', name: 'scheduler', onModel: (t) => (next) => t.scheduler.setChecks(next.checks, next.global.startupSpreadMs) },
  { stage: 'checks', name: 'names asked again', onModel: (t) => (next) => t.resolveAgain.schedule(next) },
];

export function reloadHandlers(t: ReloadTargets): ReloadHandler[] {
  return RELOAD_STEPS.flatMap((s) => {
    const onModel = s.onModel(t);
    return onModel ? [{ stage: s.stage, name: s.name, onModel }] : [];
  });
}
