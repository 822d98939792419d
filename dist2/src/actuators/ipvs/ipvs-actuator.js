import { formatHostPort } from '../../lib/address.js';
import { BalancerUnavailable } from '../actuator.js';
import { noOwnership } from '../ownership.js';
import { CommandUnavailable } from './command-runner.js';
import { cleanStopCommands, diffIpvs, serviceArgs } from './ipvs-diff.js';
import { activeConnections, parseIpvsSave } from './ipvs-table.js';
/**
 * Drives the kernel's IPVS table through ipvsadm. A plan reads the table
 * (`ipvsadm -Sn`) and diffs it against the desired pools; applying runs the
 * difference as one `ipvsadm -R` batch, and if the batch fails part-way it
 * plans again and applies what is left one command at a time, so each
 * failure is reported with ipvsadm's own words and the rest still lands.
 */
export class IpvsActuator {
    runner;
    opts;
    kind = 'ipvs';
    created;
    ownership;
    constructor(runner, opts) {
        this.runner = runner;
        this.opts = opts;
        this.ownership = opts.ownership ?? noOwnership;
    }
    async readTable() {
        let res;
        try {
            res = await this.runner.run(['-Sn']);
        }
        catch (err) {
            throw new BalancerUnavailable(err.message);
        }
        if (res.code !== 0)
            throw new BalancerUnavailable(`${this.runner.bin} -Sn failed (${res.code}): ${res.stderr.trim()}`);
        try {
            return parseIpvsSave(res.stdout);
        }
        catch (err) {
            throw new BalancerUnavailable(err.message);
        }
    }
    described(commands) {
        return commands.map((c) => ({ ...c, command: `${this.runner.bin} ${c.args.join(' ')}` }));
    }
    /** The services rsguard created, this run or an earlier one; an unreadable record owns nothing (cleanStop then deletes nothing). */
    async owned() {
        if (!this.created)
            this.created = await this.ownership.load().catch(() => new Set());
        return this.created;
    }
    /** Recorded before the -A runs: a crash in between leaves a claim on nothing, never an unclaimed service. */
    async claim(commands) {
        const owned = await this.owned();
        const fresh = commands.filter((c) => c.creates && !owned.has(c.creates));
        if (fresh.length === 0)
            return [];
        for (const c of fresh)
            owned.add(c.creates);
        try {
            await this.ownership.save(owned);
            return [];
        }
        catch (err) {
            return fresh.map((c) => ({ vs: c.vs, message: `created, but not recorded as rsguard's (cleanStop will leave it): ${err.message}` }));
        }
    }
    async plan(desired) {
        return { commands: this.described(diffIpvs(desired, await this.readTable())), problems: [] };
    }
    async planStop(desired) {
        if (!this.opts.cleanStop)
            return [];
        return this.described(cleanStopCommands(desired, await this.readTable(), await this.owned()));
    }
    async apply(planned, desired) {
        let commands = planned;
        const unrecorded = await this.claim(commands);
        const stopping = commands.some((c) => c.deletes);
        if (commands.length > 1) {
            const batch = await this.run(['-R'], `${commands.map((c) => c.args.join(' ')).join('\n')}\n`);
            if (batch.code === 0)
                return this.done({ changes: commands.map((c) => ({ vs: c.vs, command: c.command, applied: true })), problems: unrecorded }, stopping);
            // Plan again against what did land, then go one by one.
            commands = (stopping ? await this.planStop(desired) : (await this.plan(desired)).commands);
        }
        const changes = [];
        const problems = [...unrecorded];
        for (const c of commands) {
            const res = await this.run(c.args);
            if (res.code === 0)
                changes.push({ vs: c.vs, command: c.command, applied: true });
            else {
                changes.push({ vs: c.vs, command: c.command, applied: false });
                problems.push({ vs: c.vs, message: `${c.command}: ${res.stderr.trim() || `exit ${res.code}`}` });
            }
        }
        return this.done({ changes, problems }, stopping);
    }
    /** After a cleanStop, what is gone from the table is no longer ours; what a failed -D left stays claimed. */
    async done(report, stopping) {
        if (!stopping)
            return report;
        const owned = await this.owned();
        const table = await this.readTable().catch(() => undefined);
        if (table)
            await this.ownership.save(new Set([...owned].filter((k) => table.has(k)))).catch(() => { });
        return report;
    }
    async run(args, stdin) {
        try {
            return await this.runner.run(args, stdin);
        }
        catch (err) {
            if (err instanceof CommandUnavailable)
                throw new BalancerUnavailable(err.message);
            throw err;
        }
    }
    async activeConnections(vs, member) {
        const res = await this.run(['-Ln', ...serviceArgs(vs)]);
        if (res.code !== 0)
            throw new Error(`${this.runner.bin} -Ln: ${res.stderr.trim()}`);
        const n = activeConnections(res.stdout, formatHostPort(member.host, member.port));
        if (n === undefined)
            throw new Error(`${formatHostPort(member.host, member.port)} is not in ${vs.key}`);
        return n;
    }
}
//# sourceMappingURL=ipvs-actuator.js.map