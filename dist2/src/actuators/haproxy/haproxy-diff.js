import { formatHostPort } from '../../lib/address.js';
import { haproxyBackendOf, haproxyServerOf } from './options.js';
import { ADMIN_FDRAIN, ADMIN_FMAINT } from './servers-state.js';
/** HAProxy's absolute weight limit ("Absolute weight can only be between 0 and 256 inclusive."). */
export const HAPROXY_MAX_WEIGHT = 256;
function adminOf(s) {
    if (s.adminState & ADMIN_FMAINT)
        return 'maint';
    if (s.adminState & ADMIN_FDRAIN)
        return 'drain';
    return 'ready';
}
/**
 * Turns desired pools into the runtime API commands that make HAProxy match,
 * given its current `show servers state`. Pure. A member in the pool with
 * weight > 0 is `ready` at that weight; with weight 0 it is `drain`; a server
 * of the config that is not in the pool is `maint`. The sorry server is a
 * server of the backend kept in `maint` until it is needed. Servers of the
 * backend that rsguard does not know are left alone.
 */
export function diffHaproxy(desired, states) {
    const commands = [];
    const problems = [];
    for (const { vs, plan } of desired) {
        const backend = haproxyBackendOf(vs);
        const servers = states.get(backend);
        if (!servers) {
            problems.push({ vs: vs.name, message: `No such backend ${JSON.stringify(backend)} in HAProxy` });
            continue;
        }
        const find = (name, host, port) => name !== undefined ? servers.find((s) => s.name === name) : servers.find((s) => s.address === host && s.port === port);
        const wantFor = (server, admin, weight, member) => {
            if (weight !== undefined && weight > HAPROXY_MAX_WEIGHT) {
                problems.push({ vs: vs.name, member, message: `weight ${weight} is above HAProxy's maximum of ${HAPROXY_MAX_WEIGHT}` });
                return;
            }
            const target = `${backend}/${server.name}`;
            if (weight !== undefined && weight > 0 && server.weight !== weight)
                commands.push({ vs: vs.name, command: `set server ${target} weight ${weight}` });
            if (adminOf(server) !== admin)
                commands.push({ vs: vs.name, command: `set server ${target} state ${admin}` });
        };
        const members = new Map(plan.members.map((m) => [m.key, m]));
        for (const rs of vs.realServers) {
            const server = find(haproxyServerOf(rs), rs.host, rs.port);
            if (!server) {
                problems.push({ vs: vs.name, member: rs.key, message: haproxyServerOf(rs) ? `No such server ${backend}/${haproxyServerOf(rs)}` : `no server with address ${rs.key} in backend ${backend}` });
                continue;
            }
            const m = members.get(rs.key);
            if (!m || m.role !== 'real')
                wantFor(server, 'maint', undefined, rs.key);
            else
                wantFor(server, m.weight > 0 ? 'ready' : 'drain', m.weight, rs.key);
        }
        if (vs.sorryServer) {
            const s = vs.sorryServer;
            const key = formatHostPort(s.host, s.port);
            const server = find(haproxyServerOf(s), s.host, s.port);
            if (!server)
                problems.push({ vs: vs.name, member: key, message: haproxyServerOf(s) ? `No such server ${backend}/${haproxyServerOf(s)}` : `no sorry server with address ${key} in backend ${backend}` });
            else
                wantFor(server, plan.sorryActive ? 'ready' : 'maint', plan.sorryActive ? 1 : undefined, key);
        }
    }
    return { commands, problems };
}
//# sourceMappingURL=haproxy-diff.js.map