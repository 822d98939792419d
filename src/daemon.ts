import { watchForReload } from './auto-reload.js';
import { createActuator } from './actuators/registry.js';
import { wireSyncDaemon } from './sync-daemon-wiring.js';
import { watchMaintenanceDir } from './maintenance-dir.js';
import { loadConfig, type ConfigFormat, type LoadOptions } from './config/load.js';
import { ResolveAgain } from './engine/resolve-again.js';
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
import { statusDocument, type VrrpReader } from './read/status-document.js';
import { statusBoard } from './read/status-board.js';
import { ServerHistory } from './history/server-history.js';
import { createQueue } from './scheduler/create-queue.js';
import { wireScheduler } from './scheduler-wiring.js';
import { wirePassive } from './passive-wiring.js';
import { HealthFile } from './vrrp/health-file.js';
import { VrrpInputs } from './vrrp/vrrp-inputs.js';
import type { VrrpTransition } from './model/vrrp-event.js';
import { wireReloads } from './config-reloads.js';
import { reloadHandlers } from './reload-steps.js';
import { takeInstanceLocks } from './daemon-locks.js';
import { wireLeadership, withLease } from './leadership.js';
import { wireHolds } from './holds-wiring.js';

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
 * interfaces in src/read/. What a reload does to each object is one list,
 * src/reload-steps.ts, built here with the objects it acts on.
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
  const pinger = createPinger();
  const q = await createQueue(model, opts.configFile, { pinger }, clock, log);
  // Persist before act: a transition is in Redis before the balancer shows it, so a scheduler taking over after a kill -9
  // never reads the state before it and puts the pool back (a flap).
  const persist = q.stateStore?.flush ? () => q.stateStore!.flush!() : undefined;
  const actuator = leadership.fence(createActuator(model.balancer, Boolean(opts.dryRun)), persist);
  const pools = new PoolKeeper(monitor, actuator, bus.emit, log, clock, model.balancer.reconcileIntervalMs);
  metrics.attach({ health: monitor, pools, queue: { pending: () => q.queue.pending(), threads: () => q.queue.threads?.() ?? 0, ...(q.distributed ? { distributed: q.distributed } : {}) } });
  const recent = new RecentEvents();
  const vrrpStates = new VrrpStates(() => monitor.current);
  const syncd = wireSyncDaemon(model.balancer, Boolean(opts.dryRun), bus, metrics, log, clock);
  const vrrp: VrrpReader = { vrrp: () => vrrpStates.vrrp(), syncDaemon: () => syncd?.status() ?? null };
  const notifications = leadership.gate(wireNotifications(metrics, { health: monitor, pools, vrrp }, notifierServers(monitor.table), log, clock, undefined, leadership.sentMarks(), leadership.leading));
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
  const holds = await wireHolds(model, opts.configFile, pools, monitor, leadership, log);
  const unwatchMaintenance = watchMaintenanceDir(() => monitor.current, () => monitor.serverRecords(), pools, log);
  // The status page's per-server history: fed each outcome once the Monitor applied it, read through the Monitor's read face only.
  const history = new ServerHistory(monitor, (err, check) => log.error({ err: err.message, check }, 'status page history not recorded (logged once)'));
  const scheduler = wireScheduler(model, q.queue, clock, metrics, monitor, history, log);
  // Runs where the checks do (the lease holder): its verdicts are results of the server's checks.
  const passive = wirePassive(model, monitor, metrics, log, clock);
  vrrp.passive = (vs, rs) => passive?.status(vs, rs) ?? null;
  // keepalived's notify_fifo, the spool `rsguard notify` writes and POST /api/vrrp: transitions onto the bus like any other event.
  const recordVrrp = (t: VrrpTransition) => bus.emit({ type: 'vrrp', at: t.at, transition: t });
  const vrrpInputs = new VrrpInputs(() => monitor.current, recordVrrp, log, clock);

  let started = false;
  const health = () => healthReport(monitor, clock(), started);
  const app = buildHttpServer({
    status: () => ({ ...statusDocument(monitor, pools, clock(), vrrp), ...withLease(leadership.view()) }),
    board: () => statusBoard(statusDocument(monitor, pools, clock(), vrrp), history, clock(), Boolean(monitor.current.global.apiToken)),
    config: () => monitor.current,
    drains: {
      model: () => monitor.current,
      token: () => monitor.current.global.apiToken,
      setAdmin: holds.setAdmin,
      activeConnections: (vs, rs) => actuator.activeConnections(vs, rs),
    },
    vrrp: { token: () => monitor.current.global.apiToken, record: recordVrrp, clock },
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
  await vrrpInputs.start();
  // Planned first (a reapply before the first plan reconciles nothing and deletes what rsguard made). A standby schedules
  // nothing; taking over, it reads the holds and the check states the last leader left in Redis and reapplies every pool.
  // The holds first: a check's first result may plan a pool before tookOver() does.
  pools.start();
  const takeOver = async (ready: () => void) => {
    await holds.takeOver();
    if (store && q.mode === 'distributed') monitor.restore(await store.load(monitor.current.checks.keys()));
    ready();
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

  const resolveAgain = new ResolveAgain(() => reloads.askNamesAgain());
  const targets = { log, actuator, monitor, ...(store ? { store } : {}), vrrpInputs, pools, ...(syncd ? { syncd } : {}), scheduler, probes: q.queue, resolveAgain, listenFromCommandLine: Boolean(opts.listen), mode: q.mode };
  const reloads = wireReloads(opts, log, model, reloadHandlers(targets), resolveAgain);
  const reload = () => reloads.reload();
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
      vrrpInputs.stop();
      await notifications.stop();
      pinger.close();
      await app.close();
      await releaseLocks();
      log.info({}, 'rsguard stopped');
    },
  };
}
