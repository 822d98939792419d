import { collectDefaultMetrics, Counter, Gauge } from 'prom-client';
import { ScrapeRegistry } from './view-gauge.js';
import { BoundCounter, BoundHistogram, type HistogramChild } from './bound-metrics.js';
import type { MonitorEvent } from '../engine/events.js';
import { registerStateGauges, type MetricsSources } from './state-gauges.js';
import { FpmPoolReadings } from './fpm-pool-readings.js';
import { registerFpmGauges } from './fpm-gauges.js';
import type { ProbeOutcome } from '../scheduler/job.js';
import { CHECK_ERROR_REASONS, verdictOf, type Verdict } from '../probes/types.js';
import { stateCode } from '../model/vrrp-event.js';
import type { SyncDaemonStatus } from '../actuators/ipvs/sync-daemon-keeper.js';

/** The `outcome` label of a verdict: a result that said nothing of the health is neither a success nor a failure. */
const OUTCOME: Record<Verdict, string> = { up: 'success', down: 'failure', error: 'error', neutral: 'neutral' };

/**
 * rsguard's own registry (no prom-client globals). Label values are bounded:
 * `kind` and `reason` are fixed lists, `vs`/`rs` come from the config.
 */
export class Metrics {
  readonly registry = new ScrapeRegistry();
  private readonly probeDuration: BoundHistogram;
  private readonly results: BoundCounter;
  private readonly transitions: Counter<'vs' | 'rs' | 'to'>;
  private readonly lag: HistogramChild;
  private readonly checkErrors = new Map<string, { inc(): void }>();

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'rsguard_' });
    // prom-client exports these three gauges with a `_total` suffix, which Prometheus naming reserves for counters.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(`rsguard_${name}`);
    this.probeDuration = new BoundHistogram(
      'rsguard_probe_duration_seconds',
      'Time a probe took, from start to verdict, by probe kind.',
      ['kind'],
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      this.registry,
    );
    this.results = new BoundCounter(
      'rsguard_probe_results_total',
      'Probe results by kind and outcome (success, failure, error when the check could not run, neutral when it said nothing of the health) and reason ("" on success).',
      ['kind', 'outcome', 'reason'],
      this.registry,
    );
    this.transitions = new Counter({
      name: 'rsguard_real_server_transitions_total',
      help: 'Hard state changes of real servers, by the state entered.',
      labelNames: ['vs', 'rs', 'to'],
      registers,
    });
    this.lag = new BoundHistogram(
      'rsguard_schedule_lag_seconds',
      'Delay between when a check was due and when its probe started.',
      [],
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
      this.registry,
    ).child();
    const checkErrors = new BoundCounter(
      'rsguard_check_errors_total',
      'Probe results that were check errors (the check could not run; not counted against the server), by reason.',
      ['reason'],
      this.registry,
    );
    // Every reason is exposed from the start (at 0), so an alert rule's rate() has a series before the first error.
    for (const reason of CHECK_ERROR_REASONS) this.checkErrors.set(reason, checkErrors.child(reason));
  }

  /**
   * The IPVS sync daemon, read at scrape time: per role 1 while `ipvsadm -L
   * --daemon` last showed it running, and whether it is as the VRRP state
   * wants it (0 after a failed start, say). No series without a syncDaemon.
   */
  attachSyncDaemon(status: () => SyncDaemonStatus | null): void {
    new Gauge({
      name: 'rsguard_ipvs_sync_daemon_running',
      help: 'IPVS connection sync daemon running, by role (master, backup), as ipvsadm -L --daemon last showed it.',
      labelNames: ['role'],
      registers: [this.registry],
      collect() {
        this.reset();
        const s = status();
        if (s) for (const role of ['master', 'backup']) this.set({ role }, s.running.some((d) => d.role === role) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'rsguard_ipvs_sync_daemon_ok',
      help: '1 while the IPVS sync daemon is as its VRRP instance state wants it, 0 after a command failed or the daemons could not be listed.',
      registers: [this.registry],
      collect() {
        this.reset();
        const s = status();
        if (s) this.set(s.error === null && s.lastCheckedAt !== null ? 1 : 0);
      },
    });
  }
  /** The pool status fpm checks read (probe-provided numbers, kept here because only the gauges read them). */
  private readonly fpmPools = new FpmPoolReadings();

  /** The gauges that read rsguard's state at scrape time, once the things they read exist. */
  attach(src: MetricsSources): void {
    registerStateGauges(this.registry, src);
    registerFpmGauges(this.registry, src.health, this.fpmPools);
  }

  /** Children by kind and by kind|outcome|reason, bound on first use. */
  private readonly durationByKind = new Map<string, HistogramChild>();
  private readonly resultsByKey = new Map<string, { inc(): void }>();

  /** The lease's role and token (distributed mode). */
  observeLeadership(queue: string, v: { role: 'leader' | 'standby'; token: number | undefined }): void {
    this.leader.set({ queue }, v.role === 'leader' ? 1 : 0);
    if (v.token !== undefined) this.leaderToken.set({ queue }, v.token);
  }

  observeOutcome(o: ProbeOutcome): void {
    const kind = o.job.kind;
    let duration = this.durationByKind.get(kind);
    if (!duration) this.durationByKind.set(kind, (duration = this.probeDuration.child(kind)));
    duration.observe(o.result.durationMs / 1000);
    const verdict = verdictOf(o.result);
    const outcome = OUTCOME[verdict];
    // A neutral result keeps the reason of an agent not reached (timeout, refused), none for a line without up/down.
    const reason = verdict === 'up' ? '' : verdict === 'neutral' ? (o.result.reason ?? '') : (o.result.error ?? o.result.reason ?? 'error');
    const key = verdict === 'up' ? kind : `${kind}|${outcome}|${reason}`;
    let counter = this.resultsByKey.get(key);
    if (!counter) this.resultsByKey.set(key, (counter = this.results.child(kind, outcome, reason)));
    counter.inc();
    if (o.result.error) this.checkErrors.get(o.result.error)?.inc();
    this.fpmPools.observe(o.job.checkId, o.result);
    this.lag.observe(Math.max(0, o.startedAt - o.job.dueAt) / 1000);
  }

  private readonly vrrpState = new Gauge({ name: 'rsguard_vrrp_state', help: 'VRRP state per instance or group: 1 master, 2 backup, 3 fault, 0 stop or unknown.', labelNames: ['vrrp_instance'], registers: [this.registry] });
  private readonly vrrpTransitions = new Counter({ name: 'rsguard_vrrp_transitions_total', help: 'VRRP transitions recorded, by the state entered.', labelNames: ['vrrp_instance', 'state'], registers: [this.registry] });
  // Labelled by the queue so that embedded mode, which has no lease, exports no series (an alert on "no leader" must not fire there).
  private readonly leader = new Gauge({ name: 'rsguard_leader', help: 'Distributed mode: 1 while this scheduler holds the leader lease of its queue (drives the balancer, mails), 0 standing by.', labelNames: ['queue'], registers: [this.registry] });
  private readonly leaderToken = new Gauge({ name: 'rsguard_leader_token', help: "The fencing token of the lease holder's term as this scheduler last saw it (grows at every takeover).", labelNames: ['queue'], registers: [this.registry] });
  readonly mailSent = new Counter({ name: 'rsguard_mail_sent_total', help: 'Alert mails accepted by the SMTP server.', registers: [this.registry] });
  readonly mailFailed = new Counter({ name: 'rsguard_mail_failed_total', help: 'Attempts to send alert mail that failed (they are retried).', registers: [this.registry] });
  readonly internalErrors = new Counter({ name: 'rsguard_internal_errors_total', help: "Faults of rsguard's own that it caught and carried on from (where: outcome = a check result that could not be applied); never news about a server.", labelNames: ['where'], registers: [this.registry] });
  private readonly passiveErrors = new Counter({ name: 'rsguard_passive_errors_total', help: "Errors passive health saw in HAProxy's traffic to a real server (failed connects; with observe layer7 also 5xx and broken responses).", labelNames: ['vs', 'rs'], registers: [this.registry] });
  private readonly passiveActions = new Counter({ name: 'rsguard_passive_actions_total', help: "Times a real server's traffic errors made its on-error action happen (fail-check, sudden-death, mark-down).", labelNames: ['vs', 'rs'], registers: [this.registry] });

  /** One read window of passive health for one server; its series start at 0 on the first read. */
  observePassive(vs: string, rs: string, errors: number, acted: boolean): void {
    this.passiveErrors.inc({ vs, rs }, errors);
    this.passiveActions.inc({ vs, rs }, acted ? 1 : 0);
  }
  readonly mailPending = new Gauge({ name: 'rsguard_mail_pending', help: 'Alert mail events waiting in the spool.', registers: [this.registry] });

  observeEvent(e: MonitorEvent): void {
    if (e.type === 'server-hard') this.transitions.inc({ vs: e.server.vsName, rs: e.server.rs, to: e.to });
    if (e.type === 'vrrp') {
      // Not `instance`: Prometheus gives that label to the scrape target and would rename ours.
      this.vrrpState.set({ vrrp_instance: e.transition.name }, stateCode(e.transition.state));
      this.vrrpTransitions.inc({ vrrp_instance: e.transition.name, state: e.transition.state });
    }
  }
}
