import { formatHostPort } from '../lib/address.js';
import { stateType } from '../state/check-state.js';
function checkErrorJson(e) {
    return e ? { reason: e.reason, detail: e.detail, since: new Date(e.since).toISOString(), count: e.count } : null;
}
function lastCheckJson(c) {
    if (!c)
        return null;
    return { ok: c.ok, at: new Date(c.at).toISOString(), durationMs: c.durationMs, detail: c.detail, ...(c.reason ? { reason: c.reason } : {}) };
}
function vsStatus(vs, monitor, pools, now) {
    const plan = pools.plan(vs.key);
    const drained = pools.drained(vs.key);
    const held = pools.heldBySafetyValve(vs.key);
    const realServers = vs.realServers.map((rs) => {
        const view = monitor.server(rs);
        const member = plan?.members.find((m) => m.role === 'real' && m.key === rs.key);
        return {
            address: rs.host,
            port: rs.port,
            weight: member?.weight ?? 0,
            configuredWeight: rs.weight,
            inPool: member !== undefined,
            drained: drained.has(rs.key),
            heldBySafetyValve: held.has(rs.key),
            forwarding: rs.forwarding,
            state: view.state,
            stateType: view.stateType,
            hardState: view.hardState,
            flapping: view.flapping,
            stale: rs.checkIds.some((id) => monitor.isStale(id, now)),
            checkError: checkErrorJson(rs.checkIds.map((id) => monitor.checkState(id)?.checkError).find((e) => e)),
            lastCheck: lastCheckJson(view.lastCheck),
            checks: rs.checkIds.map((id) => {
                const s = monitor.checkState(id);
                return {
                    id,
                    label: monitor.check(id)?.label ?? id,
                    state: s.state,
                    stateType: stateType(s),
                    consecutiveOk: s.consecutiveOk,
                    consecutiveFail: s.consecutiveFail,
                    flapPercent: Math.round(s.flap.percent * 100) / 100,
                    checkError: checkErrorJson(s.checkError),
                    lastCheck: lastCheckJson(s.lastCheck),
                };
            }),
        };
    });
    return {
        name: vs.name,
        key: vs.key,
        address: vs.host ?? null,
        port: vs.port ?? null,
        fwmark: vs.fwmark ?? null,
        protocol: vs.protocol,
        scheduler: vs.scheduler,
        sorryServer: vs.sorryServer ? formatHostPort(vs.sorryServer.host, vs.sorryServer.port) : null,
        sorryServerActive: plan?.sorryActive ?? false,
        quorumUp: plan?.quorumUp ?? true,
        realServers,
    };
}
export function statusDocument(monitor, pools, now, vrrp) {
    const model = monitor.current;
    return {
        generatedAt: new Date(now).toISOString(),
        source: model.source,
        balancer: pools.balancerStatus(),
        virtualServices: model.virtualServices.map((vs) => vsStatus(vs, monitor, pools, now)),
        vrrp: vrrp?.vrrp() ?? [],
    };
}
//# sourceMappingURL=status-document.js.map