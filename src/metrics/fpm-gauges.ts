import type { Registry } from 'prom-client';
import type { VirtualServiceDef } from '../model/model.js';
import type { FpmPoolStatus } from '../probes/fpm-pool-status.js';
import type { FpmPoolReadings } from './fpm-pool-readings.js';
import { memoBy, seriesLabels, ViewGauge, type SeriesLabels } from './view-gauge.js';

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
  const seriesOf = memoBy((vs: VirtualServiceDef) =>
    vs.realServers.map((rs) => ({
      base: seriesLabels({ vs: vs.name, rs: rs.key }),
      active: seriesLabels({ vs: vs.name, rs: rs.key, state: 'active' }),
      idle: seriesLabels({ vs: vs.name, rs: rs.key, state: 'idle' }),
    })),
  );
  const each = (fn: (series: ReturnType<typeof seriesOf>[number], pool: FpmPoolStatus, push: (s: SeriesLabels, v: number) => void) => void) => (push: (s: SeriesLabels, v: number) => void) => {
    for (const vs of src.current.virtualServices) {
      const series = seriesOf(vs);
      vs.realServers.forEach((rs, i) => {
        const pool = readings.forServer(rs);
        if (pool) fn(series[i]!, pool, push);
      });
    }
  };
  const gauge = (name: string, help: string, value: (p: FpmPoolStatus) => number) => new ViewGauge(name, help, registry, each((s, p, push) => push(s.base, value(p))));
  const queue = each((s, p, push) => push(s.base, p.listenQueue));
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
      push(s.active, p.activeProcesses);
      push(s.idle, p.idleProcesses);
    }),
  );
  gauge('rsguard_fpm_max_children_reached', 'php-fpm pool: times the process manager wanted more workers than pm.max_children, as php-fpm counts since the pool started (a counter: use increase(); static pools never count).', (p) => p.maxChildrenReached);
  gauge('rsguard_fpm_slow_requests', 'php-fpm pool: requests over request_slowlog_timeout, as php-fpm counts since the pool started (a counter: use increase()).', (p) => p.slowRequests);
  gauge('rsguard_fpm_accepted_connections', 'php-fpm pool: connections accepted, as php-fpm counts since the pool started (a counter: use rate()).', (p) => p.acceptedConn);
}
