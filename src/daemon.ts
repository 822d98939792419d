import { watchForReload } from './auto-reload.js';
import { reconfigureBalancer } from './actuators/reconfigure.js';
import { createActuator } from './actuators/registry.js';
import { syncDaemonDef } from './actuators/ipvs/sync-daemon-keeper.js';
import { wireSyncDaemon } from './sync-daemon-wiring.js';
import { watchMaintenanceDir } from './maintenance-dir.js';
import { ConfigError, formatIssue } from './config/errors.js';
import { loadConfig, type ConfigFormat, type LoadOptions } from './config/load.js';
import { loadConfigOffThread } from './config/load-off-thread.js';
import { askNamesAgain, logNameChanges, movedServers, ResolveAgain } from './engine/resolve-again.js';
import type { Model } from './model/model.js';
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
import { notifierServers } from './notify/notifier.js';
import { wireNotifications } from './notify/wire-notifications.js';
import { createPinger } from './probes/icmp-pinger.js';
import { forgetReadOnce } from './probes/read-once.js';
import { statusDocument, type VrrpReader } from './read/status-document.js';
import { statusBoard } from './read/status-board.js';
import { ServerHistory } from './history/server-history.js';
import { renderStatusTable } from './read/status-table.js';
import { createQueue } from './scheduler/create-queue.js';
import { wireScheduler } from './scheduler-wiring.js';
import { wirePassive } from './passive-wiring.js';
import { HealthFile } from './vrrp/health-file.js';
import { takeInstanceLocks } from './daemon-locks.js';
import { wireLeadership, withLease } from './leadership.js';
import { adminFileFor, keepAdminOnDisk } from './engine/admin-store.js';

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
  const metrics = new Metrics();
  // Distributed mode: only the lease holder writes to the balancer and mails (every gate open in embedded mode).
  const leadership = await wireLeadership(model, log, (v) => metrics.observeLeadership(model.queue.prefix, v));
  const actuator = leadership.fence(createActuator(model.balancer, Boolean(opts.dryRun)));
  const pools = new PoolKeeper(monitor, actuator, bus.emit, log, clock, model.balancer.reconcileIntervalMs);
  const pinger = createPinger();
  const q = await createQueue(model, opts.configFile, { pinger }, clock, log);
  metrics.attach({ health: monitor, pools, queue: { pending: () => q.queue.pending(), ...(q.distributed ? { distributed: q.distributed } : {}) } });
  const recent = new RecentEvents();
  const vrrpStates = new VrrpStates(() => monitor.current);
  const syncd = wireSyncDaemon(model.balancer, Boolean(opts.dryRun), bus, metrics, log, clock);
  const vrrp: VrrpReader = { vrrp: () => vrrpStates.vrrp(), syncDaemon: () => syncd?.status() ?? null };
  const notifications = leadership.gate(wireNotifications(() => monitor.current, bus.emit, metrics, () => renderStatusTable(statusDocument(monitor, pools, clock(), vrrp)), notifierServers(monitor.table), log, clock, undefined, leadership.sentMarks(), leadership.leading));
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
  keepAdminOnDisk(adminFileFor(model.global.stateFile, opts.configFile), pools, () => monitor.serverRecords(), log);
  monitor.onAdminAsked = (vs, rs, ask) => pools.agentAdmin(vs, rs, ask);
  const unwatchMaintenance = watchMaintenanceDir(() => monitor.current, () => monitor.serverRecords(), pools, log);
  // The status page's per-server history: fed each outcome once the Monitor applied it, read through the Monitor's read face only.
  const history = new ServerHistory(monitor, (err, check) => log.error({ err: err.message, check }, 'status page history not recorded (logged once)'));
  const scheduler = wireScheduler(model, q.queue, clock, metrics, monitor, history, log);
  // Runs where the checks do (the lease holder): its verdicts are results of the server's checks.
  const passive = wirePassive(model, monitor, metrics, log, clock);
  vrrp.passive = (vs, rs) => passive?.status(vs, rs) ?? null;

  let started = false;
  const health = () => healthReport(monitor, clock(), started);
  const app = buildHttpServer({
    status: () => ({ ...statusDocument(monitor, pools, clock(), vrrp), ...withLease(leadership.view()) }),
    board: () => statusBoard(statusDocument(monitor, pools, clock(), vrrp), history, clock(), Boolean(monitor.current.global.apiToken)),
    drains: {
      model: () => monitor.current,
      token: () => monitor.current.global.apiToken,
      setAdmin: (vs, rs, mode, on, by, reason) => pools.setAdmin(vs, rs, mode, on, by, reason),
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
  // Planned first (a reapply before the first plan reconciles nothing and deletes what rsguard made). A standby schedules
  // nothing; taking over, it reads the states the last leader left in Redis and reapplies every pool.
  pools.start();
  const takeOver = async () => {
    if (store && q.mode === 'distributed') monitor.restore(await store.load(monitor.current.checks.keys()));
    scheduler.start();
    passive?.start();
    if (q.mode === 'distributed') pools.tookOver();
  };
  await leadership.start(takeOver, () => {
    scheduler.stop();
    passive?.stop();
  });
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
  const logNames = (before: Model | undefined, next: Model) => logNameChanges(log, before, next);
  logNames(undefined, model);
  // A loop turn with a timers phase in it: a setImmediate from an I/O callback (the loader's last part) runs before the timers.
  const nextTurn = () => new Promise<void>((r) => setImmediate(() => setImmediate(r)));
  /**
   * Swaps a loaded model in. The monitor's swap is one step (status and
   * metrics read the new model from then on); the pools and the scheduler
   * follow on the next loop turns, so the loop is held for the longest of
   * the three, not their sum (10,000 servers). One apply at a time, in order.
   */
  const applySteps = async (next: Model) => {
    logNames(current, next);
    for (const setting of reconfigureBalancer(actuator, current.balancer, next.balancer)) log.warn({ balancer: next.balancer.kind, setting }, 'balancer change needs a restart');
    // The mailer is built once; the fifo reader, hooks, the transition log and the VRRP spool follow the reload.
    if (JSON.stringify(next.notify.email) !== JSON.stringify(current.notify.email)) log.warn({}, 'email change needs a restart');
    if (next.global.listen.host !== current.global.listen.host || next.global.listen.port !== current.global.listen.port) log.warn({ listen: next.global.listen }, 'listen address change needs a restart');
    // A reload is when an admin expects a rotated CA or a new user to be seen.
    forgetReadOnce();
    monitor.reload(next);
    store?.retain(new Set(next.checks.keys()));
    notifications.reconfigure();
    current = next;
    await nextTurn();
    pools.onReload(next, next.balancer.reconcileIntervalMs);
    // Another balancer kind waits for a restart (logged above), and so does the sync daemon with it.
    if (next.balancer.kind === 'ipvs') syncd?.reconfigure(syncDaemonDef(next.balancer), next.balancer.reconcileIntervalMs);
    // The new checks' first probes last: their connects and answers would otherwise share a turn with the pools step.
    await nextTurn();
    scheduler.setChecks(next.checks, next.global.startupSpreadMs);
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
  const unwatchFile = watchForReload(opts.configFile, model.global.autoReload, reload);

  return {
    address,
    monitor,
    poolKeeper: pools,
    reload,
    async stop() {
      unwatchFile();
      unwatchMaintenance();
      resolveAgain.stop();
      bus.emit({ type: 'daemon', at: clock(), state: 'stopping' });
      await healthFile.stop();
      scheduler.stop();
      passive?.stop();
      unwatchBalancer?.();
      await q.close();
      await pools.stop();
      await leadership.stop();
      await syncd?.stop();
      await notifications.stop();
      pinger.close();
      await app.close();
      await releaseLocks();
      log.info({}, 'rsguard stopped');
    },
  };
}
