import type { BalancerDef, VirtualServiceDef } from '../../model/model.js';
import { formatHostPort } from '../../lib/address.js';
import {
  BalancerUnavailable,
  type Actuator,
  type AppliedChange,
  type BalancerCommand,
  type BalancerNote,
  type ConfigProblem,
  type DesiredService,
  type LeftAlone,
  type PlanScope,
  type ReconcileReport,
} from '../actuator.js';
import { formatOwned, noOwnership, NOTHING_OWNED, type Owned, type OwnershipStore } from '../ownership.js';
import { CommandUnavailable, type CommandRunner } from './command-runner.js';
import { cleanStopCommands, planIpvs, serviceArgs, type ForeignServers, type IpvsCommand } from './ipvs-diff.js';
import { leftAloneNotes } from './left-alone-notes.js';
import { activeConnections, addThresholds, parseIpvsSave, parseTimeouts, type IpvsTable, type IpvsTimeouts } from './ipvs-table.js';

export interface IpvsOptions {
  cleanStop: boolean;
  /** Destinations rsguard did not add, and an adopted service's settings: left (`keep`, the default) or made to match the config. */
  foreignServers?: ForeignServers;
  /** Where what rsguard created and manages is recorded (cleanStop and reloads remove only that). */
  ownership?: OwnershipStore;
  /** Connection timeouts in seconds (`ipvsadm --set`, keepalived lvs_timeouts); one left out is left as the kernel has it. */
  timeouts?: Partial<IpvsTimeouts>;
}

type Planned = BalancerCommand & IpvsCommand;

/**
 * Drives the kernel's IPVS table through ipvsadm. A plan reads the table
 * (`ipvsadm -Sn`) and diffs it against the desired pools; applying runs the
 * difference as one `ipvsadm -R` batch, and if the batch fails part-way it
 * plans again and applies what is left one command at a time, so each
 * failure is reported with ipvsadm's own words and the rest still lands.
 */
export class IpvsActuator implements Actuator {
  readonly kind = 'ipvs';
  /** Loaded at the first plan; then kept in memory, written when it changes. */
  private owned: Owned | undefined;
  /** The record as last written (or tried): a failed write is reported once per change, not at every reconcile. */
  private written = '';
  private unreadable: string | null = null;
  private readonly ownership: OwnershipStore;
  private readonly found = new Map<string, LeftAlone>();
  private readonly told = new Map<string, Set<string>>();

  constructor(private readonly runner: CommandRunner, private readonly opts: IpvsOptions) {
    this.ownership = opts.ownership ?? noOwnership;
  }

  /** A threshold was seen in the table: read them again even after the config dropped its own, so the leftover is cleared. */
  private thresholdsSeen = false;

  private async read(args: string[]): Promise<string> {
    let res;
    try {
      res = await this.runner.run(args);
    } catch (err) {
      throw new BalancerUnavailable((err as Error).message);
    }
    if (res.code !== 0) throw new BalancerUnavailable(`${this.runner.bin} ${args.join(' ')} failed (${res.code}): ${res.stderr.trim()}`);
    return res.stdout;
  }

  /**
   * `ipvsadm -Sn`, and the thresholds -Sn leaves out (`-Ln --thresholds`)
   * when the config gives any or the table had some: a second listing of
   * every service is not paid by the directors that set none.
   */
  private async readTable(desired: DesiredService[] = []): Promise<IpvsTable> {
    const text = await this.read(['-Sn']);
    const wantThresholds = this.thresholdsSeen || desired.some(({ vs }) => vs.realServers.some((rs) => rs.balancerOptions?.ipvs !== undefined));
    try {
      const table = parseIpvsSave(text);
      if (wantThresholds) {
        addThresholds(table, await this.read(['-Ln', '--thresholds']));
        this.thresholdsSeen = [...table.values()].some((s) => [...s.dests.values()].some((d) => d.upperThreshold || d.lowerThreshold));
      }
      return table;
    } catch (err) {
      if (err instanceof BalancerUnavailable) throw err;
      throw new BalancerUnavailable((err as Error).message);
    }
  }

  private async readTimeouts(): Promise<{ wanted: Partial<IpvsTimeouts>; current: IpvsTimeouts } | undefined> {
    const wanted = this.opts.timeouts;
    if (!wanted || !Object.values(wanted).some(Boolean)) return undefined;
    const text = await this.read(['-L', '--timeout']);
    try {
      return { wanted, current: parseTimeouts(text) };
    } catch (err) {
      throw new BalancerUnavailable((err as Error).message);
    }
  }

  private described(commands: IpvsCommand[]): Planned[] {
    return commands.map((c) => ({ ...c, command: `${this.runner.bin} ${c.args.join(' ')}` }));
  }

  /** What rsguard created and manages, this run or an earlier one; an unreadable record owns nothing (nothing is then deleted as rsguard's). */
  private async record(): Promise<Owned> {
    if (!this.owned) {
      this.owned = await this.ownership.load().catch((err: Error) => {
        this.unreadable = err.message;
        return NOTHING_OWNED;
      });
      this.written = formatOwned(this.owned);
    }
    return this.owned;
  }

  /**
   * Writes the record if it changed. Called before commands run, so a crash
   * in between leaves a claim on nothing, never an unclaimed service.
   */
  private async persist(creating: Planned[] = []): Promise<ConfigProblem[]> {
    if (!this.owned) return [];
    const text = formatOwned(this.owned);
    if (text === this.written) return [];
    this.written = text;
    try {
      await this.ownership.save(this.owned);
      return [];
    } catch (err) {
      const why = (err as Error).message;
      if (creating.length) return creating.map((c) => ({ vs: c.vs, message: `created, but not recorded as rsguard's (cleanStop and a reload will leave it): ${why}` }));
      return [{ vs: this.kind, message: `the record of what rsguard manages was not saved (after a restart, members the config dropped count as someone else's): ${why}` }];
    }
  }

  async plan(desired: DesiredService[], scope: PlanScope = {}): Promise<{ commands: BalancerCommand[]; problems: ConfigProblem[]; notes: BalancerNote[] }> {
    const table = await this.readTable(desired);
    const complete = scope.complete === true;
    // Kernel-wide, not a pool's: set by the complete reconciles (the first, a reload's, the periodic repair), not read
    // again (a fork of ipvsadm) at every transition.
    const timeouts = complete ? await this.readTimeouts() : undefined;
    const before = await this.record();
    const p = planIpvs(desired, table, before, { foreignServers: this.opts.foreignServers ?? 'keep', complete, ...(timeouts ? { timeouts } : {}) });
    this.owned = p.owned;
    const problems: ConfigProblem[] = [];
    if (this.unreadable) {
      problems.push({ vs: this.kind, message: `the record of what rsguard created cannot be read (${this.unreadable}): every service in the table counts as found, none is deleted as rsguard's` });
      this.unreadable = null;
    }
    return { commands: this.described(p.commands), problems, notes: [...this.take(desired, p.leftAlone, complete), ...p.removed] };
  }

  /** Keeps what was left alone for status, and returns what is newly so: told once, and again if it goes and comes back. */
  private take(desired: DesiredService[], found: Map<string, LeftAlone>, complete: boolean): BalancerNote[] {
    if (complete) {
      const live = new Set(desired.map((d) => d.vs.key));
      for (const key of [...this.found.keys()]) if (!live.has(key)) this.found.delete(key);
      for (const key of [...this.told.keys()]) if (!live.has(key)) this.told.delete(key);
    }
    const notes: BalancerNote[] = [];
    for (const { vs } of desired) {
      const f = found.get(vs.key);
      if (f) this.found.set(vs.key, f);
      else this.found.delete(vs.key);
      const now = leftAloneNotes(vs.name, f);
      const before = this.told.get(vs.key);
      notes.push(...now.filter((n) => !before?.has(n.message)));
      this.told.set(vs.key, new Set(now.map((n) => n.message)));
    }
    return notes;
  }

  leftAlone(vsKey: string): LeftAlone | undefined {
    return this.found.get(vsKey);
  }

  reconfigure(def: BalancerDef): string[] {
    const next = def as BalancerDef & Partial<IpvsOptions>;
    if (next.cleanStop !== undefined) this.opts.cleanStop = next.cleanStop;
    if (next.foreignServers !== undefined) this.opts.foreignServers = next.foreignServers;
    this.opts.timeouts = next.timeouts;
    // syncDaemon is the sync daemon keeper's, which takes it on the reload too.
    return ['cleanStop', 'foreignServers', 'timeouts', 'syncDaemon'];
  }

  async planStop(desired: DesiredService[]): Promise<BalancerCommand[]> {
    if (!this.opts.cleanStop) return [];
    return this.described(cleanStopCommands(desired, await this.readTable(), (await this.record()).services));
  }

  async apply(planned: BalancerCommand[], desired: DesiredService[]): Promise<ReconcileReport> {
    let commands = planned as Planned[];
    const problems: ConfigProblem[] = await this.persist(commands.filter((c) => c.creates));
    const stopping = commands.some((c) => c.stop);
    // A plan that deleted services the config dropped was a complete one: planned again, it must be again.
    const complete = commands.some((c) => c.deletes && !c.stop);
    if (commands.length > 1) {
      const batch = await this.run(['-R'], `${commands.map((c) => c.args.join(' ')).join('\n')}\n`);
      if (batch.code === 0) return this.done({ changes: commands.map((c) => ({ vs: c.vs, command: c.command, applied: true })), problems }, commands);
      // Plan again against what did land, then go one by one.
      commands = (stopping ? await this.planStop(desired) : (await this.plan(desired, { complete })).commands) as Planned[];
      problems.push(...(await this.persist(commands.filter((c) => c.creates))));
    }
    const changes: AppliedChange[] = [];
    for (const c of commands) {
      const res = await this.run(c.args);
      if (res.code === 0) changes.push({ vs: c.vs, command: c.command, applied: true });
      else {
        changes.push({ vs: c.vs, command: c.command, applied: false });
        problems.push({ vs: c.vs, message: `${c.command}: ${res.stderr.trim() || `exit ${res.code}`}` });
      }
    }
    return this.done({ changes, problems }, commands);
  }

  /** After services were deleted, what is gone from the table is no longer rsguard's; what a failed -D left stays claimed. */
  private async done(report: ReconcileReport, commands: Planned[]): Promise<ReconcileReport> {
    if (!commands.some((c) => c.deletes) || !this.owned) return report;
    const table = await this.readTable().catch(() => undefined);
    if (!table) return report;
    const { services, members } = this.owned;
    this.owned = { services: new Set([...services].filter((k) => table.has(k))), members: new Map([...members].filter(([k]) => table.has(k))) };
    return { ...report, problems: [...report.problems, ...(await this.persist())] };
  }

  /** After every reconcile: a record that changed with no command to carry it (a member the config now names) is written. */
  async settled(): Promise<ConfigProblem[]> {
    return this.persist();
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
}
