import { unwatchFile, watchFile } from 'node:fs';
import { reconfigureBalancer } from './actuators/reconfigure.js';
import { createActuator } from './actuators/registry.js';
import { createSyncDaemonKeeper, syncDaemonDef } from './actuators/ipvs/sync-daemon-keeper.js';
import { ConfigError, formatIssue } from './config/errors.js';
import { loadConfig, type ConfigFormat, type LoadOptions } from './config/load.js';
import { loadConfigOffThread } from './config/load-off-thread.js';
import { askNamesAgain, movedServers, nameChanges, ResolveAgain } from './engine/resolve-again.js';
import type { Model } from './config/model.js';
import type { EventSink } from './engine/events.js';
import { healthReport } from './engine/health.js';
import { Monitor } from './engine/monitor.js';
import { PoolKeeper } from './engine/pool-keeper.js';
import { EventBus } from './events/bus.js';
import { RecentEvents } from './events/recent-events.js';
import { subscribeSinks } from './events/sinks.js';
import { VrrpStates } from './events/vrrp-states.js';
import { buildHttpServer } from './http/server.js';
import type { Logger } from './log.js';
import { Metrics } from './metrics/metrics.js';
import { wireNotifications } from './notify/wire-notifications.js';
import { createPinger } from './probes/icmp-pinger.js';
import { statusDocument } from './read/status-document.js';
import { statusBoard } from './read/status-board.js';
import { ServerHistory } from './history/server-history.js';
import { renderStatusTable } from './read/status-table.js';
import { createQueue } from './scheduler/create-queue.js';
import { Scheduler } from './scheduler/scheduler.js';
import { HealthFile } from './vrrp/health-file.js';
import { takeInstanceLocks } from './daemon-locks.js';

export interface DaemonOptions {
  configFile: string;
  format?: ConfigFormat;
  /** keepalived -i and the token file the command line gave, for every (re)load. */
  loadOptions?: LoadOptions;
  /** Already loaded from configFile (the CLI loads it first to pick the log level). */
  model?: Model;
  /** Overrides global.listen. */
  listen?: { host: string; port: number };
  dryRun?: boolean;
  log: Logger;
  clock?: () => number;
  /** Hears every event last (stage `extra`): tests and embedders. */
  onEvent?: EventSink;
}

export interface Daemon {
  readonly address: { host: string; port: number };
  reload(): Promise<boolean>;
  stop(): Promise<void>;
  readonly monitor: Monitor;
  readonly poolKeeper: PoolKeeper;
}

function reconcileIntervalOf(model: Model): number {
  return model.balancer.reconcileIntervalMs;
}

/**
 * The composition root: creates every side-effecting object and wires them.
 * The flow is one way: scheduler -> monitor (state) -> event bus -> log,
 * metrics, recent events, pool keeper, notifications (in that order); the
 * pool keeper and the VRRP inputs emit on the same bus; readers (HTTP,
 * metrics, mail bodies) see Monitor and PoolKeeper only through the read
 * interfaces in src/read/.
 */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { log } = opts;
  const model = opts.model ?? (await loadConfig(opts.configFile, opts.format, opts.loadOptions));
  for (const w of model.warnings) log.warn({ file: model.source, warning: w }, 'config directive accepted but ignored');
  // Before anything is written or applied: a second copy of this config must change nothing.
  const releaseLocks = await takeInstanceLocks(model, opts.configFile, Boolean(opts.dryRun), (what, file, err) =>
    log.warn({ lock: file, err: (err as NodeJS.ErrnoException).code ?? err.message }, `cannot lock ${what}: a second copy of this config would not be refused`),
  );
  try {
    return await startLocked(opts, model, releaseLocks);
  } catch (err) {
    await releaseLocks();
    throw err;
  }
}

async function startLocked(opts: DaemonOptions, model: Model, releaseLocks: () => Promise<void>): Promise<Daemon> {
  const { log } = opts;
  const clock = opts.clock ?? Date.now;

  const bus = new EventBus((subscriber, e, err) => log.error({ err, subscriber, event: e.type }, 'event subscriber failed'));
  const monitor = new Monitor(model, bus.emit, clock);
  const actuator = createActuator(model.balancer, Boolean(opts.dryRun));
  const pools = new PoolKeeper(monitor, actuator, bus.emit, log, clock, reconcileIntervalOf(model));
  const pinger = createPinger();
  const q = await createQueue(model, opts.configFile, { pinger }, clock, log);
  const metrics = new Metrics();
  metrics.attach({ health: monitor, pools, queue: { pending: () => q.queue.pending(), ...(q.distributed ? { distributed: q.distributed } : {}) } });
  const recent = new RecentEvents();
  const vrrpStates = new VrrpStates(() => monitor.current);
  // The IPVS sync daemon follows a VRRP instance's transitions off the bus; a dry run starts and stops nothing.
  const syncd = opts.dryRun ? undefined : createSyncDaemonKeeper(model.balancer, log, clock);
  if (syncd) bus.subscribe('extra', 'ipvs-sync-daemon', (e) => (e.type === 'vrrp' ? syncd.onVrrp(e.transition) : undefined));
  const vrrp = { vrrp: () => vrrpStates.vrrp(), syncDaemon: () => syncd?.status() ?? null };
  if (syncd) metrics.attachSyncDaemon(() => syncd.status());
  const downServers = function* () {
    for (const r of monitor.serverRecords()) if (r.hardState === 'down') yield { vs: r.ref.vs, vsName: r.ref.vsName, rs: r.ref.rs, check: r.downCheck, reason: r.downReason };
  };
  const notifications = wireNotifications(() => monitor.current, bus.emit, metrics, () => renderStatusTable(statusDocument(monitor, pools, clock(), vrrp)), downServers, log, clock);
  subscribeSinks(bus, { log, metrics, recent, pools, notifications, vrrp: vrrpStates, ...(opts.onEvent ? { extra: opts.onEvent } : {}) });
  monitor.start();

  // Check states survive a restart: a dead server stays dead (no flap).
  const store = q.stateStore;
  if (store) {
    try {
      const restored = monitor.restore(await store.load(model.checks.keys()));
      log.info({ restored, checks: model.checks.size, from: q.stateStoreName }, 'check states restored');
    } catch (err) {
      log.error({ err: (err as Error).message, from: q.stateStoreName }, 'check states not restored, starting fresh');
    }
    monitor.onStateChange = (id, s) => store.save(id, s);
  }
  // The status page's per-server history: fed each outcome once the Monitor applied it, read through the Monitor's read face only.
  const history = new ServerHistory(monitor);
  let historyFailed = false;
  const scheduler = new Scheduler({
    queue: q.queue,
    clock,
    handleOutcome: (outcome) => {
      metrics.observeOutcome(outcome);
      const delay = monitor.apply(outcome.job.checkId, outcome.result, outcome.finishedAt);
      // Only the page reads the history: a fault in it must never stop a check from being rescheduled. Logged once, not per result.
      try {
        history.observe(outcome.job.checkId, outcome.result, outcome.finishedAt);
      } catch (err) {
        if (!historyFailed) log.error({ err: (err as Error).message, check: outcome.job.checkId }, 'status page history not recorded (logged once)');
        historyFailed = true;
      }
      return delay;
    },
  });
  scheduler.setChecks(model.checks, model.global.startupSpreadMs);

  let started = false;
  const health = () => healthReport(monitor, clock(), started);
  const app = buildHttpServer({
    status: () => statusDocument(monitor, pools, clock(), vrrp),
    board: () => statusBoard(statusDocument(monitor, pools, clock(), vrrp), history, clock(), Boolean(monitor.current.global.apiToken)),
    drains: {
      model: () => monitor.current,
      token: () => monitor.current.global.apiToken,
      setDrain: (vs, rs, drained) => pools.setDrain(vs, rs, drained),
      activeConnections: (vs, rs) => actuator.activeConnections(vs, rs),
    },
    vrrp: { token: () => monitor.current.global.apiToken, record: (t) => notifications.recordVrrp(t), clock },
    registry: metrics.registry,
    events: () => recent.list(),
    healthy: () => ({ ok: started, detail: started ? `${scheduler.size()} checks scheduled` : 'starting' }),
    health,
  });
  const healthFile = new HealthFile(
    () => monitor.current.global.health.file,
    () => monitor.current.global.health.fileWeight,
    () => health().ok,
    (err) => log.error({ file: monitor.current.global.health.file, err: err.message }, 'health file not written'),
  );
  const listen = opts.listen ?? model.global.listen;
  await app.listen({ host: listen.host, port: listen.port });
  const addr = app.server.address();
  const address = typeof addr === 'object' && addr ? { host: addr.address, port: addr.port } : listen;
  await notifications.start();
  scheduler.start();
  pools.start();
  syncd?.start();
  const unwatchBalancer = actuator.watch?.((detail) => pools.balancerRestarted(detail));
  started = true;
  healthFile.start();
  bus.emit({ type: 'daemon', at: clock(), state: 'starting' });
  log.info(
    { file: model.source, format: model.format, virtualServices: model.virtualServices.length, checks: model.checks.size, listen: address, mode: q.mode, balancer: actuator.kind, dryRun: Boolean(opts.dryRun) },
    'rsguard started',
  );

  let current: Model = model;
  // A name that does not resolve is our environment's fault (DNS), not a server verdict: its servers wait out of the pool. Logged once, not at each retry.
  const logNames = (before: Model | undefined, next: Model) => {
    const { failing, resolved } = nameChanges(before, next);
    for (const n of failing) log.error({ ...n, retryEveryMs: next.hostNames?.everyMs }, 'host name does not resolve: its servers are left out until it does');
    for (const n of resolved) log.info(n, 'host name resolves now');
  };
  logNames(undefined, model);
  // A loop turn with a timers phase in it: a setImmediate from an I/O callback (the loader's last part) runs before the timers.
  const nextTurn = () => new Promise<void>((r) => setImmediate(() => setImmediate(r)));
  /**
   * Swaps a loaded model in. The monitor's swap is one step (status and
   * metrics read the new model from then on); the scheduler and the pools
   * follow on the next loop turns, so the loop is held for the longest of
   * the three, not their sum (10,000 servers). One apply at a time, in order.
   */
  const applySteps = async (next: Model) => {
    logNames(current, next);
    for (const setting of reconfigureBalancer(actuator, current.balancer, next.balancer)) log.warn({ balancer: next.balancer.kind, setting }, 'balancer change needs a restart');
    // The mailer is built once; the fifo reader, hooks, the transition log and the VRRP spool follow the reload.
    if (JSON.stringify(next.notify.email) !== JSON.stringify(current.notify.email)) log.warn({}, 'email change needs a restart');
    if (next.global.listen.host !== current.global.listen.host || next.global.listen.port !== current.global.listen.port) log.warn({ listen: next.global.listen }, 'listen address change needs a restart');
    monitor.reload(next);
    store?.retain(new Set(next.checks.keys()));
    notifications.reconfigure();
    current = next;
    await nextTurn();
    scheduler.setChecks(next.checks, next.global.startupSpreadMs);
    await nextTurn();
    pools.onReload(next, reconcileIntervalOf(next));
    // Another balancer kind waits for a restart (logged above), and so does the sync daemon with it.
    if (next.balancer.kind === 'ipvs') syncd?.reconfigure(syncDaemonDef(next.balancer), next.balancer.reconcileIntervalMs);
    resolveAgain.schedule(next);
  };
  let applying: Promise<void> = Promise.resolve();
  /** `valid`: asked when its turn comes, after the applies queued before it (a model built from what was running then). */
  const apply = (next: Model, valid: () => boolean = () => true): Promise<void> => {
    const run = applying.then(() => (valid() ? applySteps(next) : undefined));
    applying = run.catch(() => undefined);
    return run;
  };
  const onThread = (why: string) => log.warn({ why }, 'config loaded on the daemon thread: the loader thread failed, checks wait while it loads');
  // Loads overlap (a second SIGHUP while the first still resolves names): the newest load wins, an older one that finishes later is dropped.
  let generation = 0;
  const reload = async (): Promise<boolean> => {
    const mine = ++generation;
    try {
      const next = await loadConfigOffThread(opts.configFile, opts.format, opts.loadOptions, onThread);
      if (mine !== generation) {
        log.info({ file: opts.configFile }, 'config reload superseded by a newer one');
        return true;
      }
      await apply(next);
      log.info({ file: current.source, virtualServices: current.virtualServices.length, checks: current.checks.size }, 'config reloaded');
      return true;
    } catch (err) {
      const errors = err instanceof ConfigError ? err.issues.map(formatIssue) : [(err as Error).message];
      log.error({ file: opts.configFile, errors }, 'config reload rejected, keeping the running config');
      return false;
    }
  };
  // HAProxy `resolvers` (every `hold valid`) and names that did not resolve: only the names are asked again; an answer
  // that changed is built into the text the running model came from, so an edit of the file still waits for a reload.
  const resolveAgain = new ResolveAgain(async () => {
    try {
      const mine = generation;
      const base = current;
      const names = base.hostNames;
      const fresh = names && (await askNamesAgain(names));
      log.debug({ names: names?.queries?.size ?? 0, changed: fresh !== undefined }, 'host names asked again');
      // Void once another model went in or a reload (which asks every name) began: this one is built from what ran before.
      // Asked again all the same (a reload that is refused would otherwise leave the names unasked).
      const stale = () => current !== base || mine !== generation;
      if (!names || !fresh || stale()) return resolveAgain.schedule(current);
      const next = await loadConfigOffThread(opts.configFile, opts.format, { ...opts.loadOptions, hostNames: { ...names, answers: fresh }, namesAnswered: true, ...(names.text !== undefined ? { text: names.text } : {}) }, onThread);
      // Applied even when no server moved (a name's spare addresses): the new answers are the ones compared next time.
      let applied = false;
      await apply(next, () => {
        if (stale()) return false;
        for (const m of movedServers(current, next)) {
          if (m.from === undefined) log.info(m, 'server added: its name resolves now');
          else log.warn(m, 'server address changed: its name resolves elsewhere now');
        }
        return (applied = true);
      });
      if (!applied) resolveAgain.schedule(current);
    } catch (err) {
      const errors = err instanceof ConfigError ? err.issues.map(formatIssue) : [(err as Error).message];
      log.error({ file: opts.configFile, errors }, 'names not resolved again, keeping the running addresses');
      resolveAgain.schedule(current);
    }
  });
  resolveAgain.schedule(model);
  // ldirectord autoreload: poll the file's mtime (fs.watch misses editors that replace the file).
  let lastMtime = 0;
  const onFileChange = (curr: { mtimeMs: number }) => {
    if (curr.mtimeMs === lastMtime || curr.mtimeMs === 0) return;
    lastMtime = curr.mtimeMs;
    void reload();
  };
  if (model.global.autoReload) watchFile(opts.configFile, { interval: 2000 }, onFileChange);

  return {
    address,
    monitor,
    poolKeeper: pools,
    reload,
    async stop() {
      unwatchFile(opts.configFile, onFileChange);
      resolveAgain.stop();
      bus.emit({ type: 'daemon', at: clock(), state: 'stopping' });
      await healthFile.stop();
      scheduler.stop();
      unwatchBalancer?.();
      await q.close();
      await pools.stop();
      await syncd?.stop();
      await notifications.stop();
      pinger.close();
      await app.close();
      await releaseLocks();
      log.info({}, 'rsguard stopped');
    },
  };
}
