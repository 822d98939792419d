import { Counter, Gauge } from 'prom-client';
import { CHECK_ERROR_REASONS } from '../probes/types.js';
/** The gauges computed at scrape time from rsguard's state (nothing on the probe hot path). */
export function registerStateGauges(registry, src) {
    const registers = [registry];
    // One gauge per real server and virtual service, each a view of the server's state.
    const perServer = (name, help, value) => new Gauge({
        name,
        help,
        labelNames: ['vs', 'rs'],
        registers,
        collect() {
            this.reset();
            const m = src.health;
            for (const vs of m.current.virtualServices)
                for (const rs of vs.realServers)
                    this.set({ vs: vs.name, rs: rs.key }, value(m.server(rs)));
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
            const m = src.health;
            const p = src.pools;
            for (const vs of m.current.virtualServices) {
                const plan = p.plan(vs.key);
                for (const rs of vs.realServers) {
                    this.set({ vs: vs.name, rs: rs.key, kind: 'desired' }, plan?.members.find((x) => x.role === 'real' && x.key === rs.key)?.weight ?? 0);
                    const applied = p.appliedWeight(vs.key, rs.key);
                    if (applied !== undefined)
                        this.set({ vs: vs.name, rs: rs.key, kind: 'applied' }, applied);
                }
            }
        },
    });
    // One gauge per virtual service, each a view of its current plan.
    const perService = (name, help, value) => new Gauge({
        name,
        help,
        labelNames: ['vs'],
        registers,
        collect() {
            this.reset();
            const m = src.health;
            const p = src.pools;
            for (const vs of m.current.virtualServices)
                this.set({ vs: vs.name }, value(p.plan(vs.key)));
        },
    });
    perService('rsguard_virtual_service_sorry_active', 'The sorry server is in the pool: 1 yes.', (plan) => (plan?.sorryActive ? 1 : 0));
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
            if (!q)
                return;
            try {
                for (const [state, n] of Object.entries(await q.counts()))
                    this.set({ state }, n);
            }
            catch {
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
            if (!q)
                return;
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
        name: 'rsguard_checks_erroring',
        help: 'Checks that cannot run now (rsguard fault: missing binary, no capability, descriptors), by reason; their servers hold their last state.',
        labelNames: ['reason'],
        registers,
        collect() {
            this.reset();
            const m = src.health;
            for (const reason of CHECK_ERROR_REASONS)
                this.set({ reason }, m.checkErrors().get(reason) ?? 0);
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
//# sourceMappingURL=state-gauges.js.map