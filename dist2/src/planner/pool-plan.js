import { formatHostPort } from '../lib/address.js';
export function rampedWeight(weight, upSince, slowStartMs, now) {
    if (weight === 0 || slowStartMs <= 0)
        return weight;
    const elapsed = now - upSince;
    if (elapsed >= slowStartMs)
        return weight;
    return Math.max(1, Math.ceil((weight * Math.max(0, elapsed)) / slowStartMs));
}
export function quorumState(upWeight, quorum, hysteresis, previous) {
    if (previous === undefined)
        return upWeight >= quorum && upWeight > 0;
    if (previous)
        return !(upWeight === 0 || upWeight < quorum - hysteresis);
    return upWeight >= quorum + hysteresis && upWeight > 0;
}
export function planPool(input) {
    const { vs, servers, drained, now } = input;
    let upWeight = 0;
    for (const rs of vs.realServers) {
        if (servers.get(rs.key)?.hardState === 'up' && !drained.has(rs.key))
            upWeight += rs.weight;
    }
    const quorumUp = quorumState(upWeight, vs.quorum, vs.hysteresis, input.previousQuorumUp);
    const sorryActive = vs.sorryServer !== null && !quorumUp;
    const members = [];
    let ramping = false;
    for (const rs of vs.realServers) {
        const health = servers.get(rs.key);
        const up = health?.hardState === 'up';
        let weight;
        if (up && !sorryActive) {
            weight = drained.has(rs.key) ? 0 : rampedWeight(rs.weight, health.upSince, vs.slowStartMs, now);
            if (!drained.has(rs.key) && weight < rs.weight)
                ramping = true;
        }
        else if (vs.onDown === 'quiescent')
            weight = 0;
        else if (up && drained.has(rs.key))
            weight = 0;
        if (weight !== undefined)
            members.push({ key: rs.key, host: rs.host, port: rs.port, weight, forwarding: rs.forwarding, role: 'real' });
    }
    if (sorryActive && vs.sorryServer) {
        const s = vs.sorryServer;
        members.push({ key: formatHostPort(s.host, s.port), host: s.host, port: s.port, weight: 1, forwarding: s.forwarding, role: 'sorry' });
    }
    return { vsKey: vs.key, members, sorryActive, quorumUp, upWeight, ramping };
}
//# sourceMappingURL=pool-plan.js.map