import type { VirtualServiceDef } from '../../config/model.js';
import { formatHostPort } from '../../config/address.js';
import { BalancerUnavailable, type Actuator, type AppliedChange, type ConfigProblem, type DesiredService, type ReconcileReport } from '../actuator.js';
import { noOwnership, type OwnershipStore } from '../ownership.js';
import { CommandUnavailable, type CommandRunner } from './command-runner.js';
import { cleanStopCommands, diffIpvs, serviceArgs, type IpvsCommand } from './ipvs-diff.js';
import { activeConnections, parseIpvsSave, type IpvsTable } from './ipvs-table.js';

export interface IpvsOptions {
  dryRun: boolean;
  cleanStop: boolean;
  /** Where the services rsguard created are recorded (cleanStop removes only those). */
  ownership?: OwnershipStore;
}

/**
 * Drives the kernel's IPVS table through ipvsadm. Each reconcile reads the
 * table (`ipvsadm -Sn`), diffs it against the desired pools and applies the
 * difference in one `ipvsadm -R` batch; if the batch fails part-way, it reads
 * the table again and applies what is left one command at a time, so each
 * failure is reported with ipvsadm's own words and the rest still lands.
 */
export class IpvsActuator implements Actuator {
  readonly kind = 'ipvs';

  private created: Set<string> | undefined;
  private readonly ownership: OwnershipStore;

  constructor(private readonly runner: CommandRunner, private readonly opts: IpvsOptions) {
    this.ownership = opts.ownership ?? noOwnership;
  }

  /** The services rsguard created, this run or an earlier one; an unreadable record owns nothing (cleanStop then deletes nothing). */
  private async owned(): Promise<Set<string>> {
    if (!this.created) this.created = await this.ownership.load().catch(() => new Set<string>());
    return this.created;
  }

  /** Recorded before the -A runs: a crash in between leaves a claim on nothing, never an unclaimed service. */
  private async claim(commands: IpvsCommand[]): Promise<ConfigProblem[]> {
    const owned = await this.owned();
    const fresh = commands.filter((c) => c.creates && !owned.has(c.creates));
    if (fresh.length === 0) return [];
    for (const c of fresh) owned.add(c.creates!);
    try {
      await this.ownership.save(owned);
      return [];
    } catch (err) {
      return fresh.map((c) => ({ vs: c.vs, message: `created, but not recorded as rsguard's (cleanStop will leave it): ${(err as Error).message}` }));
    }
  }

  private async readTable(): Promise<IpvsTable> {
    let res;
    try {
      res = await this.runner.run(['-Sn']);
    } catch (err) {
      throw new BalancerUnavailable((err as Error).message);
    }
    if (res.code !== 0) throw new BalancerUnavailable(`${this.runner.bin} -Sn failed (${res.code}): ${res.stderr.trim()}`);
    try {
      return parseIpvsSave(res.stdout);
    } catch (err) {
      throw new BalancerUnavailable((err as Error).message);
    }
  }

  private describe(c: IpvsCommand): string {
    return `${this.runner.bin} ${c.args.join(' ')}`;
  }

  async reconcile(desired: DesiredService[]): Promise<ReconcileReport> {
    const commands = diffIpvs(desired, await this.readTable());
    if (this.opts.dryRun) return { changes: commands.map((c) => ({ vs: c.vs, command: `(dry run) ${this.describe(c)}` })), problems: [] };
    const unrecorded = await this.claim(commands);
    const report = await this.apply(commands, () => this.readTable().then((t) => diffIpvs(desired, t)));
    return { changes: report.changes, problems: [...unrecorded, ...report.problems] };
  }

  private async apply(commands: IpvsCommand[], recompute: () => Promise<IpvsCommand[]>): Promise<ReconcileReport> {
    if (commands.length === 0) return { changes: [], problems: [] };
    if (commands.length > 1) {
      const batch = await this.run(['-R'], `${commands.map((c) => c.args.join(' ')).join('\n')}\n`);
      if (batch.code === 0) return { changes: commands.map((c) => ({ vs: c.vs, command: this.describe(c) })), problems: [] };
      commands = await recompute();
    }
    const changes: AppliedChange[] = [];
    const problems: ConfigProblem[] = [];
    for (const c of commands) {
      const res = await this.run(c.args);
      if (res.code === 0) changes.push({ vs: c.vs, command: this.describe(c) });
      else problems.push({ vs: c.vs, message: `${this.describe(c)}: ${res.stderr.trim() || `exit ${res.code}`}` });
    }
    return { changes, problems };
  }

  private async run(args: string[], stdin?: string) {
    try {
      return await this.runner.run(args, stdin);
    } catch (err) {
      if (err instanceof CommandUnavailable) throw new BalancerUnavailable(err.message);
      throw err;
    }
  }

  async activeConnections(vs: VirtualServiceDef, member: { host: string; port: number }): Promise<number> {
    const res = await this.run(['-Ln', ...serviceArgs(vs)]);
    if (res.code !== 0) throw new Error(`${this.runner.bin} -Ln: ${res.stderr.trim()}`);
    const n = activeConnections(res.stdout, formatHostPort(member.host, member.port));
    if (n === undefined) throw new Error(`${formatHostPort(member.host, member.port)} is not in ${vs.key}`);
    return n;
  }

  async stop(desired: DesiredService[]): Promise<AppliedChange[]> {
    if (!this.opts.cleanStop) return [];
    const owned = await this.owned();
    const commands = cleanStopCommands(desired, await this.readTable(), owned);
    if (this.opts.dryRun) return commands.map((c) => ({ vs: c.vs, command: `(dry run) ${this.describe(c)}` }));
    const report = await this.apply(commands, async () => cleanStopCommands(desired, await this.readTable(), owned));
    // What is gone from the table is no longer ours; what a failed -D left stays claimed for the next stop.
    const table = await this.readTable().catch(() => undefined);
    if (table) await this.ownership.save(new Set([...owned].filter((k) => table.has(k)))).catch(() => {});
    return report.changes;
  }
}
