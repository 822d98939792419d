import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MonitorEvent } from '../engine/events.js';
import type { Monitor } from '../engine/monitor.js';
import type { PoolKeeper } from '../engine/pool-keeper.js';
import type { ServerView } from '../state/server-state.js';
import type { PoolPlan } from '../planner/pool-plan.js';
import type { BullmqQueue } from '../scheduler/bullmq-queue.js';
import type { ProbeOutcome } from '../scheduler/job.js';
import { CHECK_ERROR_REASONS } from '../probes/types.js';
import { stateCode } from '../vrrp/vrrp-event.js';

/**
 * rsguard's own registry (no prom-client globals). Label values are bounded:
 * `kind` and `reason` are fixed lists, `vs`/`rs` come from the config.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly probeDuration: Histogram<'kind'>;
  private readonly results: Counter<'kind' | 'outcome' | 'reason'>;
  private readonly transitions: Counter<'vs' | 'rs' | 'to'>;
  private readonly lag: Histogram;
  private readonly checkErrors: Counter<'reason'>;

  constructor(monitor: () => Monitor | undefined, pools: () => PoolKeeper | undefined = () => undefined, queueDepth: () => number = () => 0, distributed: () => BullmqQueue | undefined = () => undefined) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'rsguard_' });
    // prom-client exports these three gauges with a `_total` suffix, which Prometheus naming reserves for counters.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(`rsguard_${name}`);
    this.probeDuration = new Histogram({
      name: 'rsguard_probe_duration_seconds',
      help: 'Time a probe took, from start to verdict, by probe kind.',
      labelNames: ['kind'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.results = new Counter({
      name: 'rsguard_probe_results_total',
      help: 'Probe results by kind and outcome (success, failure, or error when the check could not run) and reason ("" on success).',
      labelNames: ['kind', 'outcome', 'reason'],
      registers,
    });
    this.transitions = new Counter({
      name: 'rsguard_real_server_transitions_total',
      help: 'Hard state changes of real servers, by the state entered.',
      labelNames: ['vs', 'rs', 'to'],
      registers,
    });
    this.lag = new Histogram({
      name: 'rsguard_schedule_lag_seconds',
      help: 'Delay between when a check was due and when its probe started.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    });
    // One gauge per real server and virtual service, each a view of the server's state.
    const perServer = (name: string, help: string, value: (v: ServerView) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['vs', 'rs'],
        registers,
        collect() {
          this.reset();
          const m = monitor();
          if (m) for (const vs of m.current.virtualServices) for (const rs of vs.realServers) this.set({ vs: vs.name, rs: rs.key }, value(m.server(rs)));
        },
      });
    perServer('rsguard_real_server_up', 'Hard state of each real server in each virtual service: 1 up, 0 down.', (v) => (v.hardState === 'up' ? 1 : 0));
    perServer('rsguard_real_server_soft', 'Real servers whose current state differs from their hard state (a soft state): 1 soft, 0 hard.', (v) => (v.stateType === 'soft' ? 1 : 0));
    perServer('rsguard_real_server_flapping', 'Real servers flapping (Nagios flap detection): 1 flapping.', (v) => (v.flapping ? 1 : 0));
    new Gauge({
      name: 'rsguard_real_server_weight',
      help: 'Real server weight: desired by the planner, and applied (last written to the balancer).',
      labelNames: ['vs', 'rs', 'kind'],
      registers,
      collect() {
        this.reset();
        const m = monitor();
        const p = pools();
        if (!m || !p) return;
        for (const vs of m.current.virtualServices) {
          const plan = p.plan(vs.key);
          for (const rs of vs.realServers) {
            this.set({ vs: vs.name, rs: rs.key, kind: 'desired' }, plan?.members.find((x) => x.role === 'real' && x.key === rs.key)?.weight ?? 0);
            const applied = p.appliedWeight(vs.key, rs.key);
            if (applied !== undefined) this.set({ vs: vs.name, rs: rs.key, kind: 'applied' }, applied);
          }
        }
      },
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
          const m = monitor();
          const p = pools();
          if (m && p) for (const vs of m.current.virtualServices) this.set({ vs: vs.name }, value(p.plan(vs.key)));
        },
      });
    perService('rsguard_virtual_service_sorry_active', 'The sorry server is in the pool: 1 yes.', (plan) => (plan?.sorryActive ? 1 : 0));
    perService('rsguard_virtual_service_quorum_up', 'The virtual service has quorum (keepalived quorum/hysteresis): 1 yes.', (plan) => (plan?.quorumUp === false ? 0 : 1));
    new Gauge({
      name: 'rsguard_balancer_up',
      help: 'The last reconcile with the balancer succeeded without configuration problems: 1 yes.',
      registers,
      collect() {
        this.set(pools()?.balancerStatus().ok === false ? 0 : 1);
      },
    });
    new Counter({
      name: 'rsguard_balancer_errors_total',
      help: 'Failed reconciles and configuration problems reported by the balancer actuator.',
      registers,
      collect() {
        const n = pools()?.errors ?? 0;
        this.reset();
        this.inc(n);
      },
    });
    new Gauge({
      name: 'rsguard_checks_stale',
      help: 'Checks with no result for over three intervals (workers or Redis away; the pool stays as it was).',
      registers,
      collect() {
        const m = monitor();
        const now = Date.now();
        this.set(m ? [...m.current.checks.keys()].filter((id) => m.isStale(id, now)).length : 0);
      },
    });
    new Gauge({
      name: 'rsguard_queue_jobs',
      help: 'BullMQ probe jobs by state (distributed mode).',
      labelNames: ['state'],
      registers,
      async collect() {
        const q = distributed();
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
        const q = distributed();
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
        this.set(queueDepth());
      },
    });
    new Gauge({
      name: 'rsguard_checks_erroring',
      help: 'Checks that cannot run now (rsguard fault: missing binary, no capability, descriptors), by reason; their servers hold their last state.',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        const m = monitor();
        for (const reason of CHECK_ERROR_REASONS) this.set({ reason }, m?.checkErrors().get(reason) ?? 0);
      },
    });
    this.checkErrors = new Counter({
      name: 'rsguard_check_errors_total',
      help: 'Probe results that were check errors (the check could not run; not counted against the server), by reason.',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of CHECK_ERROR_REASONS) this.checkErrors.inc({ reason }, 0);
    new Gauge({
      name: 'rsguard_checks',
      help: 'Distinct checks scheduled (identical checks shared by several virtual services count once).',
      registers,
      collect() {
        this.set(monitor()?.current.checks.size ?? 0);
      },
    });
  }

  /** Label children cached per kind/outcome: resolving labels on every observe was a visible share of the probe hot path. */
  private readonly durationByKind = new Map<string, { observe(v: number): void }>();
  private readonly resultsByKey = new Map<string, { inc(): void }>();

  observeOutcome(o: ProbeOutcome): void {
    const kind = o.job.kind;
    let duration = this.durationByKind.get(kind);
    if (!duration) this.durationByKind.set(kind, (duration = this.probeDuration.labels({ kind })));
    duration.observe(o.result.durationMs / 1000);
    const outcome = o.result.ok ? 'success' : o.result.error ? 'error' : 'failure';
    const reason = o.result.ok ? '' : (o.result.error ?? o.result.reason ?? 'error');
    const key = `${kind}|${outcome}|${reason}`;
    let counter = this.resultsByKey.get(key);
    if (!counter) this.resultsByKey.set(key, (counter = this.results.labels({ kind, outcome, reason })));
    if (o.result.error) this.checkErrors.inc({ reason: o.result.error });
    counter.inc();
    this.lag.observe(Math.max(0, o.startedAt - o.job.dueAt) / 1000);
  }

  private readonly vrrpState = new Gauge({ name: 'rsguard_vrrp_state', help: 'VRRP state per instance or group: 1 master, 2 backup, 3 fault, 0 stop or unknown.', labelNames: ['instance'], registers: [this.registry] });
  private readonly vrrpTransitions = new Counter({ name: 'rsguard_vrrp_transitions_total', help: 'VRRP transitions recorded, by the state entered.', labelNames: ['instance', 'state'], registers: [this.registry] });
  readonly mailSent = new Counter({ name: 'rsguard_mail_sent_total', help: 'Alert mails accepted by the SMTP server.', registers: [this.registry] });
  readonly mailFailed = new Counter({ name: 'rsguard_mail_failed_total', help: 'Attempts to send alert mail that failed (they are retried).', registers: [this.registry] });
  readonly mailPending = new Gauge({ name: 'rsguard_mail_pending', help: 'Alert mail events waiting in the spool.', registers: [this.registry] });

  observeEvent(e: MonitorEvent): void {
    if (e.type === 'server-hard') this.transitions.inc({ vs: e.server.vsName, rs: e.server.rs, to: e.to });
    if (e.type === 'vrrp') {
      this.vrrpState.set({ instance: e.transition.name }, stateCode(e.transition.state));
      this.vrrpTransitions.inc({ instance: e.transition.name, state: e.transition.state });
    }
  }
}
