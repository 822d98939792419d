import { BalancerUnavailable } from '../actuator.js';
import { diffHaproxy } from './haproxy-diff.js';
import { haproxyBackendOf, haproxyServerOf } from './options.js';
import { currentSessions, parseServersState, ServersStateError } from './servers-state.js';
/** Commands per runtime API connection; replies are checked per batch, then one by one if a batch complains. */
const BATCH = 100;
/**
 * Drives HAProxy through its runtime API: reads `show servers state` per
 * backend, applies only what differs, and reports unknown backends and
 * servers as configuration problems (never a crash).
 */
export class HaproxyActuator {
    client;
    kind = 'haproxy';
    constructor(client) {
        this.client = client;
    }
    async readStates(backends) {
        const states = new Map();
        const problems = [];
        for (const backend of new Set(backends)) {
            const reply = await this.client.send(`show servers state ${backend}`);
            try {
                states.set(backend, parseServersState(reply));
            }
            catch (err) {
                // "Can't find backend." is a config problem for that backend, not an outage.
                if (err instanceof ServersStateError && /find backend|No such backend/i.test(err.message))
                    continue;
                throw new BalancerUnavailable(`HAProxy show servers state ${backend}: ${err.message}`);
            }
        }
        return { states, problems };
    }
    async plan(desired) {
        const { states, problems } = await this.readStates(desired.map((d) => haproxyBackendOf(d.vs)));
        const diff = diffHaproxy(desired, states);
        return { commands: diff.commands, problems: [...problems, ...diff.problems] };
    }
    async apply(commands) {
        const changes = [];
        const problems = [];
        for (let i = 0; i < commands.length; i += BATCH) {
            const batch = commands.slice(i, i + BATCH);
            const reply = await this.client.send(batch.map((c) => c.command).join(';'));
            if (!reply.trim()) {
                changes.push(...batch.map((c) => ({ vs: c.vs, command: c.command, applied: true })));
                continue;
            }
            // Something in the batch complained: run it one by one to tell which.
            for (const c of batch)
                await this.applyOne(c, changes, problems);
        }
        return { changes, problems };
    }
    async applyOne(c, changes, problems) {
        const reply = (await this.client.send(c.command)).trim();
        if (reply)
            problems.push({ vs: c.vs, message: `${c.command}: ${reply.split('\n')[0]}` });
        changes.push({ vs: c.vs, command: c.command, applied: !reply });
    }
    /** HAProxy keeps its own config; on stop rsguard leaves the servers as they are (a stopped checker must not bring a dead server back). */
    async planStop() {
        return [];
    }
    async activeConnections(vs, member) {
        const backend = haproxyBackendOf(vs);
        const servers = parseServersState(await this.client.send(`show servers state ${backend}`));
        const rs = vs.realServers.find((r) => r.host === member.host && r.port === member.port);
        const server = servers.find((s) => (rs && haproxyServerOf(rs) ? s.name === haproxyServerOf(rs) : s.address === member.host && s.port === member.port));
        if (!server)
            throw new Error(`no server ${member.host}:${member.port} in backend ${backend}`);
        const scur = currentSessions(await this.client.send(`show stat ${backend} 4 -1`), backend, server.name);
        if (scur === undefined)
            throw new Error(`no stats for ${backend}/${server.name}`);
        return scur;
    }
}
//# sourceMappingURL=haproxy-actuator.js.map