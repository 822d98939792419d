import type { Registry } from 'prom-client';
import type { RealServerDef, VirtualServiceDef } from '../model/model.js';
import type { FpmPoolStatus } from '../probes/fpm-pool-status.js';
import type { FpmPoolReadings } from './fpm-pool-readings.js';
import { seriesLabels, ViewGauge, withLabel, type SeriesLabels } from './view-gauge.js';

/** The configuration the gauges walk (the Monitor's current model). */
export interface CurrentServices {
  readonly current: { readonly virtualServices: readonly VirtualServiceDef[]; readonly checks: ReadonlyMap<string, unknown> };
}

/**
 * php-fpm pool status as fpm checks with a status page read it, one series
 * per real server (labels vs, rs, as rsguard_real_server_*; `state` takes
 * two values), only for servers whose check read a status last time: a
 * server whose status could not be read has no series rather than an old one.
 * Named after php-fpm's own status fields.
 */
export function registerFpmGauges(registry: Registry, src: CurrentServices, readings: FpmPoolReadings): void {
  // Made for the servers with a reading only (most servers of most configs have no fpm check), kept as long as
  // the server's definition (a reload makes new ones; each belongs to one service).
  const texts = new WeakMap<RealServerDef, SeriesLabels>();
  const seriesOf = (vs: VirtualServiceDef, rs: RealServerDef) => {
    let t = texts.get(rs);
    if (t === undefined) texts.set(rs, (t = seriesLabels({ vs: vs.name, rs: rs.key })));
    return t;
  };
  const each = (fn: (series: SeriesLabels, pool: FpmPoolStatus, push: (s: SeriesLabels, v: number) => void) => void) => (push: (s: SeriesLabels, v: number) => void) => {
    for (const vs of src.current.virtualServices) {
      for (const rs of vs.realServers) {
        const pool = readings.forServer(rs);
        if (pool) fn(seriesOf(vs, rs), pool, push);
      }
    }
  };
  const gauge = (name: string, help: string, value: (p: FpmPoolStatus) => number) => new ViewGauge(name, help, registry, each((s, p, push) => push(s, value(p))));
  const queue = each((s, p, push) => push(s, p.listenQueue));
  new ViewGauge('rsguard_fpm_listen_queue', "php-fpm pool: connections waiting in the pool's accept queue when last checked (php-fpm measures it on TCP listen sockets only).", registry, (push) => {
    // Asked at every scrape, done after a reload only: the readings of checks it removed go (the map stays as large as the config).
    readings.keepOnly(src.current.checks);
    queue(push);
  });
  gauge('rsguard_fpm_listen_queue_length', "php-fpm pool: the size of the accept queue (listen.backlog as the kernel took it).", (p) => p.listenQueueLen);
  new ViewGauge(
    'rsguard_fpm_processes',
    'php-fpm pool: worker processes by state (active: serving a request; idle) when last checked.',
    registry,
    each((s, p, push) => {
      push(withLabel(s, 'state', 'active'), p.activeProcesses);
      push(withLabel(s, 'state', 'idle'), p.idleProcesses);
    }),
  );
  gauge('rsguard_fpm_max_children_reached', 'php-fpm pool: times the process manager wanted more workers than pm.max_children, as php-fpm counts since the pool started (a counter: use increase(); static pools never count).', (p) => p.maxChildrenReached);
  gauge('rsguard_fpm_slow_requests', 'php-fpm pool: requests over request_slowlog_timeout, as php-fpm counts since the pool started (a counter: use increase()).', (p) => p.slowRequests);
  gauge('rsguard_fpm_accepted_connections', 'php-fpm pool: connections accepted, as php-fpm counts since the pool started (a counter: use rate()).', (p) => p.acceptedConn);
}
