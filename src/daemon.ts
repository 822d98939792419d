import { unwatchFile, watchFile } from 'node:fs';
import { loadConfig, type ConfigFormat } from './config/load.js';
import type { Model } from './config/model.js';
import { formatIssue, ConfigError } from './config/errors.js';
import { Monitor } from './engine/monitor.js';
import { PoolKeeper } from './engine/pool-keeper.js';
import { createActuator } from './actuators/create-actuator.js';
import { renderStatusTable } from './cli/status-table.js';
import { wireNotifications } from './notify/wire-notifications.js';
import type { EventSink, MonitorEvent } from './engine/events.js';
import { statusDocument } from './engine/status-view.js';
import { healthReport } from './engine/health.js';
import { HealthFile } from './vrrp/health-file.js';
import { RecentEvents } from './engine/recent-events.js';
import { buildHttpServer } from './http/server.js';
import { logEvent, type Logger } from './log.js';
import { Metrics } from './metrics/metrics.js';
import { createPinger } from './probes/icmp-pinger.js';
import { EmbeddedQueue } from './scheduler/embedded-queue.js';
import { Scheduler } from './scheduler/scheduler.js';
import { BullmqQueue } from './scheduler/bullmq-queue.js';
import type { ProbeQueue } from './scheduler/job.js';
import { redisConnection, resolveRedisUrl } from './scheduler/redis-connection.js';
import { RedisStateStore } from './scheduler/state-store.js';
import { defaultStateFile, FileStateStore } from './scheduler/file-state-store.js';

export interface DaemonOptions {
  configFile: string;
  format?: ConfigFormat;
  /** Already loaded from configFile (the CLI loads it first to pick the log level). */
  model?: Model;
  /** Overrides global.listen. */
  listen?: { host: string; port: number };
  dryRun?: boolean;
  log: Logger;
  clock?: () => number;
  /** Extra subscribers to monitor events (tests). */
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
  return model.balancer.kind === 'none' ? 0 : model.balancer.reconcileIntervalMs;
}

/**
 * The composition root: the only place that creates side-effecting objects
 * and wires them together. Everything below takes its dependencies as arguments.
 */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { log } = opts;
  const clock = opts.clock ?? Date.now;
  const model = opts.model ?? (await loadConfig(opts.configFile, opts.format));
  for (const w of model.warnings) log.warn({ file: model.source, warning: w }, 'config directive accepted but ignored');

  let monitor: Monitor | undefined;
  let pools: PoolKeeper | undefined;
  let queueRef: ProbeQueue | undefined;
  const metrics = new Metrics(() => monitor, () => pools, () => queueRef?.pending() ?? 0, () => (queueRef instanceof BullmqQueue ? queueRef : undefined));
  const recent = new RecentEvents();
  const sinks: EventSink[] = [(e) => logEvent(log, e), (e) => metrics.observeEvent(e), (e) => recent.add(e)];
  if (opts.onEvent) sinks.push(opts.onEvent);
  const fanOut = (e: MonitorEvent) => {
    for (const sink of sinks) {
      try {
        sink(e);
      } catch (err) {
        log.error({ err, event: e.type }, 'event subscriber failed');
      }
    }
  };
  monitor = new Monitor(model, fanOut, clock);
  const actuator = createActuator(model.balancer, Boolean(opts.dryRun));
  const poolKeeper = new PoolKeeper(monitor, actuator, fanOut, log, clock, reconcileIntervalOf(model));
  pools = poolKeeper;
  sinks.push((e) => poolKeeper.onEvent(e));
  const downServers = function* () {
    for (const r of monitor!.serverRecords()) if (r.hardState === 'down') yield { vs: r.ref.vs, vsName: r.ref.vsName, rs: r.ref.rs, check: r.downCheck, reason: r.downReason };
  };
  const notifications = wireNotifications(() => monitor!.current, fanOut, metrics, () => renderStatusTable(statusDocument(monitor!, poolKeeper, clock())), downServers, log, clock);
  sinks.push((e) => notifications.onEvent(e));
  const pinger = createPinger();
  const redisUrl = resolveRedisUrl({ config: model.queue.redis });
  const redis = redisUrl ? [redisConnection(redisUrl, 'rsguard-scheduler'), redisConnection(redisUrl, 'rsguard-events')] : [];
  const queue: ProbeQueue & { pending(): number } = redisUrl ? new BullmqQueue(redis[0]!, redis[1]!, model.queue.prefix, clock, (message) => log.error({ err: message }, 'probe jobs not queued, checks are stale')) : new EmbeddedQueue(model.global.concurrency, { pinger }, clock);
  queueRef = queue;
  // Check states survive a restart: in Redis (distributed mode, shared with a standby) or in a local file.
  const stateFile = model.global.stateFile === undefined ? defaultStateFile(opts.configFile) : model.global.stateFile;
  const stateStore = redisUrl
    ? new RedisStateStore(redis[0]!, model.queue.prefix, (err) => log.error({ err: err.message }, 'check states not saved to Redis'))
    : stateFile
      ? new FileStateStore(stateFile, (err) => log.error({ file: stateFile, err: err.message }, 'check states not saved'))
      : undefined;
  if (stateStore) {
    const where = redisUrl ? 'Redis' : stateFile;
    try {
      const restored = monitor.restore(await stateStore.load(model.checks.keys()));
      log.info({ restored, checks: model.checks.size, from: where }, 'check states restored');
    } catch (err) {
      log.error({ err: (err as Error).message, from: where }, 'check states not restored, starting fresh');
    }
    monitor.onStateChange = (id, s) => stateStore.save(id, s);
  }
  const mon = monitor;
  const scheduler = new Scheduler({
    queue,
    clock,
    handleOutcome: (outcome) => {
      metrics.observeOutcome(outcome);
      return mon.apply(outcome.job.checkId, outcome.result, outcome.finishedAt);
    },
  });
  scheduler.setChecks(model.checks, model.global.startupSpreadMs);

  const listen = opts.listen ?? model.global.listen;
  let started = false;
  const app = buildHttpServer({
    status: () => statusDocument(mon, poolKeeper, clock()),
    drains: {
      model: () => mon.current,
      token: () => mon.current.global.apiToken,
      setDrain: (vs, rs, drained) => poolKeeper.setDrain(vs, rs, drained),
      activeConnections: (vs, rs) => actuator.activeConnections(vs, rs),
    },
    vrrp: { token: () => mon.current.global.apiToken, record: (t) => notifications.recordVrrp(t), clock },
    registry: metrics.registry,
    events: () => recent.list(),
    healthy: () => ({ ok: started, detail: started ? `${scheduler.size()} checks scheduled` : 'starting' }),
    health: () => healthReport(mon, clock(), started),
  });
  const healthFile = new HealthFile(
    () => mon.current.global.health.file,
    () => mon.current.global.health.fileWeight,
    () => healthReport(mon, clock(), started).ok,
    (err) => log.error({ file: mon.current.global.health.file, err: err.message }, 'health file not written'),
  );
  await app.listen({ host: listen.host, port: listen.port });
  const addr = app.server.address();
  const address = typeof addr === 'object' && addr ? { host: addr.address, port: addr.port } : listen;
  await notifications.start();
  scheduler.start();
  poolKeeper.start();
  started = true;
  healthFile.start();
  fanOut({ type: 'daemon', at: clock(), state: 'starting' });
  log.info(
    { file: model.source, format: model.format, virtualServices: model.virtualServices.length, checks: model.checks.size, listen: address, mode: redisUrl ? 'distributed' : 'embedded', balancer: actuator.kind, dryRun: Boolean(opts.dryRun) },
    'rsguard started',
  );

  let current: Model = model;
  // ldirectord autoreload: poll the file's mtime (fs.watch misses editors that replace the file).
  let lastMtime = 0;
  const onFileChange = (curr: { mtimeMs: number }) => {
    if (curr.mtimeMs === lastMtime || curr.mtimeMs === 0) return;
    lastMtime = curr.mtimeMs;
    void daemon.reload();
  };
  if (model.global.autoReload) watchFile(opts.configFile, { interval: 2000 }, onFileChange);
  const daemon: Daemon = {
    address,
    monitor: mon,
    async reload() {
      try {
        const next = await loadConfig(opts.configFile, opts.format);
        if (next.balancer.kind !== current.balancer.kind) log.warn({ balancer: next.balancer.kind }, 'balancer change needs a restart');
        // The mailer is built once; the fifo reader, hooks, the transition log and the VRRP spool follow the reload.
        if (JSON.stringify(next.notify.email) !== JSON.stringify(current.notify.email)) log.warn({}, 'email change needs a restart');
        mon.reload(next);
        stateStore?.retain(new Set(next.checks.keys()));
        notifications.reconfigure();
        scheduler.setChecks(next.checks, next.global.startupSpreadMs);
        poolKeeper.onReload(next, reconcileIntervalOf(next));
        if (next.global.listen.host !== current.global.listen.host || next.global.listen.port !== current.global.listen.port) {
          log.warn({ listen: next.global.listen }, 'listen address change needs a restart');
        }
        current = next;
        log.info({ file: next.source, virtualServices: next.virtualServices.length, checks: next.checks.size }, 'config reloaded');
        return true;
      } catch (err) {
        const errors = err instanceof ConfigError ? err.issues.map(formatIssue) : [(err as Error).message];
        log.error({ file: opts.configFile, errors }, 'config reload rejected, keeping the running config');
        return false;
      }
    },
    poolKeeper,
    async stop() {
      unwatchFile(opts.configFile, onFileChange);
      fanOut({ type: 'daemon', at: clock(), state: 'stopping' });
      await healthFile.stop();
      scheduler.stop();
      await queue.close();
      await stateStore?.close();
      for (const r of redis) r.disconnect();
      await poolKeeper.stop();
      await notifications.stop();
      pinger.close();
      await app.close();
      log.info({}, 'rsguard stopped');
    },
  };
  return daemon;
}
