import { Counter, Gauge, type Registry } from 'prom-client';
import { formatHostPort } from '../lib/address.js';
import type { PoolPlan } from '../planner/pool-plan.js';
import { CHECK_ERROR_REASONS, type CheckErrorReason } from '../probes/types.js';
import type { HealthReader, PoolReader } from '../read/status-document.js';
import type { ServerView } from '../state/server-state.js';
import type { VirtualServiceDef } from '../model/model.js';
import { memoBy, seriesLabels, ViewGauge, withLabel } from './view-gauge.js';

/** What the scrape-time gauges read: the read side, and the queue's counters. */
export interface MetricsSources {
  health: HealthReader & { checkErrors(): Map<CheckErrorReason, number> };
  pools: PoolReader & { readonly errors: number };
  queue: {
    pending(): number;
    /** Probe threads running beside the main thread (embedded mode; 0: every probe on the main thread). */
    threads?(): number;
    /** Distributed mode only: BullMQ's job counts and the results counted by the scheduler. */
    distributed?: { counts(): Promise<Record<string, number>>; readonly completed: number; readonly stale: number };
  };
}

/** The gauges computed at scrape time from rsguard's state (nothing on the probe hot path). */
export function registerStateGauges(registry: Registry, src: MetricsSources): void {
  const registers = [registry];
  // One gauge per real server and virtual service, each a view of the server's state. Each service's series
  // labels are made once per configuration (a reload makes new service objects), and the views once per scrape
  // for the three gauges that read them (the registry reads every metric in one synchronous pass).
  // Only the base text is kept per server (10,000 of them): the weight gauge's kind label is added at scrape time.
  const seriesOf = memoBy((vs: VirtualServiceDef) => vs.realServers.map((rs) => seriesLabels({ vs: vs.name, rs: rs.key })));
  let views: Map<VirtualServiceDef, ServerView[]> | undefined;
  const viewsOf = (vs: VirtualServiceDef): ServerView[] => {
    if (!views) {
      views = new Map();
      setImmediate(() => (views = undefined));
    }
    let v = views.get(vs);
    if (!v) views.set(vs, (v = vs.realServers.map((rs) => src.health.server(rs))));
    return v;
  };
  const perServer = (name: string, help: string, value: (v: ServerView) => number) =>
    new ViewGauge(name, help, registry, (push) => {
      for (const vs of src.health.current.virtualServices) {
        const series = seriesOf(vs);
        const v = viewsOf(vs);
        for (let i = 0; i < series.length; i++) push(series[i]!, value(v[i]!));
      }
    });
  perServer('rsguard_real_server_up', 'Hard state of each real server in each virtual service: 1 up, 0 down.', (v) => (v.hardState === 'up' ? 1 : 0));
  perServer('rsguard_real_server_soft', 'Real servers whose current state differs from their hard state (a soft state): 1 soft, 0 hard.', (v) => (v.stateType === 'soft' ? 1 : 0));
  new Gauge({
    name: 'rsguard_real_server_unresolved',
    help: 'Real servers left out of the pool because their host name gives no address (check error "unresolved"): 1 each, by name and port.',
    labelNames: ['vs', 'name', 'port'],
    registers,
    collect() {
      this.reset();
      for (const vs of src.health.current.virtualServices) for (const u of src.health.unresolvedServers(vs.key)) this.set({ vs: vs.name, name: u.name, port: String(u.port) }, 1);
    },
  });
  // Only the held servers have a series: a hold is the exception, and its start time is what an alert for a
  // forgotten drain needs (time() - value).
  new Gauge({
    name: 'rsguard_real_server_admin_since_seconds',
    help: 'Real servers held out (mode drain or maint; source api, maintenancedir or agent): when the hold was set, Unix seconds. No series when not held.',
    labelNames: ['vs', 'rs', 'mode', 'source'],
    registers,
    collect() {
      this.reset();
      for (const vs of src.health.current.virtualServices) {
        const records = src.pools.serverRecords(vs);
        for (const [i, rs] of vs.realServers.entries()) {
          const a = records[i]?.admin;
          if (a) this.set({ vs: vs.name, rs: rs.key, mode: a.mode, source: a.source }, a.at / 1000);
        }
      }
    },
  });
  perServer('rsguard_real_server_flapping', 'Real servers flapping (Nagios flap detection): 1 flapping.', (v) => (v.flapping ? 1 : 0));
  new ViewGauge('rsguard_real_server_weight', 'Real server weight: desired by the planner, and applied (last written to the balancer).', registry, (push) => {
    const p = src.pools;
    for (const vs of src.health.current.virtualServices) {
      // A map per service, not a search per server (that was O(N²) in the servers of one service).
      const desired = new Map<string, number>();
      for (const x of p.plan(vs.key)?.members ?? []) if (x.role === 'real') desired.set(x.key, x.weight);
      const series = seriesOf(vs);
      const records = p.serverRecords(vs);
      vs.realServers.forEach((rs, i) => {
        push(withLabel(series[i]!, 'kind', 'desired'), desired.get(rs.key) ?? 0);
        const applied = records[i]?.applied;
        if (applied !== undefined) push(withLabel(series[i]!, 'kind', 'applied'), applied);
      });
    }
  });
  // One gauge per virtual service, each a view of its current plan.
  const perService = (name: string, help: string, value: (plan: PoolPlan | undefined) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['vs'],
      registers,
      collect() {
        this.reset();
        const m = src.health;
        const p = src.pools;
        for (const vs of m.current.virtualServices) this.set({ vs: vs.name }, value(p.plan(vs.key)));
      },
    });
  perService('rsguard_virtual_service_sorry_active', 'The sorry server is in the pool: 1 yes.', (plan) => (plan?.sorryActive ? 1 : 0));
  new Gauge({
    name: 'rsguard_sorry_server_up',
    help: "The sorry server's own checks pass (1), or it is down and will not stand in (0); only virtual services with a sorry server.",
    labelNames: ['vs', 'sorry_server'],
    registers,
    collect() {
      this.reset();
      for (const vs of src.health.current.virtualServices) if (vs.sorryServer) this.set({ vs: vs.name, sorry_server: formatHostPort(vs.sorryServer.host, vs.sorryServer.port) }, src.health.sorryHealth(vs) === 'up' ? 1 : 0);
    },
  });
  perService('rsguard_virtual_service_quorum_up', 'The virtual service has quorum (keepalived quorum/hysteresis): 1 yes.', (plan) => (plan?.quorumUp === false ? 0 : 1));
  new Gauge({
    name: 'rsguard_balancer_up',
    help: 'The last reconcile with the balancer succeeded without configuration problems: 1 yes.',
    registers,
    collect() {
      this.set(src.pools.balancerStatus().ok === false ? 0 : 1);
    },
  });
  new Counter({
    name: 'rsguard_balancer_errors_total',
    help: 'Failed reconciles and configuration problems reported by the balancer actuator.',
    registers,
    collect() {
      const n = src.pools.errors;
      this.reset();
      this.inc(n);
    },
  });
  new Gauge({
    name: 'rsguard_checks_stale',
    help: 'Checks with no result for over three intervals (workers or Redis away; the pool stays as it was).',
    registers,
    collect() {
      const m = src.health;
      const now = Date.now();
      this.set([...m.current.checks.keys()].filter((id) => m.isStale(id, now)).length);
    },
  });
  new Gauge({
    name: 'rsguard_queue_jobs',
    help: 'BullMQ probe jobs by state (distributed mode).',
    labelNames: ['state'],
    registers,
    async collect() {
      const q = src.queue.distributed;
      if (!q) return;
      try {
        for (const [state, n] of Object.entries(await q.counts())) this.set({ state }, n);
      } catch {
        // Redis away: rsguard_checks_stale tells that story.
      }
    },
  });
  new Counter({
    name: 'rsguard_queue_results_total',
    help: 'Probe jobs answered by workers, and jobs given up as stale or lost (distributed mode).',
    labelNames: ['outcome'],
    registers,
    collect() {
      const q = src.queue.distributed;
      if (!q) return;
      this.reset();
      this.inc({ outcome: 'answered' }, q.completed);
      this.inc({ outcome: 'stale' }, q.stale);
    },
  });
  new Gauge({
    name: 'rsguard_queue_pending',
    help: 'Probe jobs submitted and not yet answered.',
    registers,
    collect() {
      this.set(src.queue.pending());
    },
  });
  new Gauge({
    name: 'rsguard_probe_threads',
    help: 'Worker threads running probes beside the main thread (global.probeThreads); 0: every probe runs on the main thread.',
    registers,
    collect() {
      this.set(src.queue.threads?.() ?? 0);
    },
  });
  new Gauge({
    name: 'rsguard_checks_erroring',
    help: 'Checks that cannot run now (rsguard fault: missing binary, no capability, descriptors), by reason; their servers hold their last state.',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      const m = src.health;
      for (const reason of CHECK_ERROR_REASONS) this.set({ reason }, m.checkErrors().get(reason) ?? 0);
    },
  });
  new Gauge({
    name: 'rsguard_checks',
    help: 'Distinct checks scheduled (identical checks shared by several virtual services count once).',
    registers,
    collect() {
      this.set(src.health.current.checks.size);
    },
  });
}
