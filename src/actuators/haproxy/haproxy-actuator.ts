import type { VirtualServiceDef } from '../../model/model.js';
import type { Actuator, AppliedChange, BalancerCommand, ConfigProblem, DesiredService, ReconcileReport } from '../actuator.js';
import { BalancerUnavailable } from '../actuator.js';
import { diffHaproxy, type HaproxyCommand } from './haproxy-diff.js';
import { haproxyBackendOf, haproxyServerOf } from './options.js';
import { watchHaproxyProcess } from './process-watcher.js';
import type { RuntimeClient } from './runtime-client.js';
import { ServerStateFile } from './server-state-file.js';
import { currentSessions, parseServersState, ServersStateError, type ServerState } from './servers-state.js';

/** Commands per runtime API connection; replies are checked per batch, then one by one if a batch complains. */
const BATCH = 100;

/**
 * Drives HAProxy through its runtime API: reads `show servers state` per
 * backend, applies only what differs, and reports unknown backends and
 * servers as configuration problems (never a crash).
 */
export class HaproxyActuator implements Actuator {
  readonly kind = 'haproxy';

  private readonly stateFile: ServerStateFile | undefined;

  constructor(private readonly client: RuntimeClient, private readonly opts: { serverStateFile?: string | undefined; watchIntervalMs?: number } = {}) {
    this.stateFile = opts.serverStateFile ? new ServerStateFile(client, opts.serverStateFile) : undefined;
  }

  async settled(changed: boolean): Promise<ConfigProblem[]> {
    return this.stateFile ? this.stateFile.save(changed) : [];
  }

  watch(restarted: (detail: Record<string, unknown>) => void): () => void {
    const every = this.opts.watchIntervalMs ?? 0;
    return every > 0 ? watchHaproxyProcess(this.client, every, restarted) : () => {};
  }

  private async readStates(backends: string[]): Promise<{ states: Map<string, ServerState[]>; problems: ConfigProblem[] }> {
    const states = new Map<string, ServerState[]>();
    const problems: ConfigProblem[] = [];
    for (const backend of new Set(backends)) {
      const reply = await this.client.send(`show servers state ${backend}`);
      try {
        states.set(backend, parseServersState(reply));
      } catch (err) {
        // "Can't find backend." is a config problem for that backend, not an outage.
        if (err instanceof ServersStateError && /find backend|No such backend/i.test(err.message)) continue;
        throw new BalancerUnavailable(`HAProxy show servers state ${backend}: ${(err as Error).message}`);
      }
    }
    return { states, problems };
  }

  async plan(desired: DesiredService[]): Promise<{ commands: BalancerCommand[]; problems: ConfigProblem[] }> {
    const { states, problems } = await this.readStates(desired.map((d) => haproxyBackendOf(d.vs)!));
    const diff = diffHaproxy(desired, states);
    return { commands: diff.commands, problems: [...problems, ...diff.problems] };
  }

  async apply(commands: BalancerCommand[]): Promise<ReconcileReport> {
    const changes: AppliedChange[] = [];
    const problems: ConfigProblem[] = [];
    for (let i = 0; i < commands.length; i += BATCH) {
      const batch = commands.slice(i, i + BATCH);
      const reply = await this.client.send(batch.map((c) => c.command).join(';'));
      if (!reply.trim()) {
        changes.push(...batch.map((c) => ({ vs: c.vs, command: c.command, applied: true })));
        continue;
      }
      // Something in the batch complained: run it one by one to tell which.
      for (const c of batch) await this.applyOne(c, changes, problems);
    }
    return { changes, problems };
  }

  private async applyOne(c: HaproxyCommand, changes: AppliedChange[], problems: ConfigProblem[]): Promise<void> {
    const reply = (await this.client.send(c.command)).trim();
    if (reply) problems.push({ vs: c.vs, message: `${c.command}: ${reply.split('\n')[0]}` });
    changes.push({ vs: c.vs, command: c.command, applied: !reply });
  }

  /** HAProxy keeps its own config; on stop rsguard leaves the servers as they are (a stopped checker must not bring a dead server back). */
  async planStop(): Promise<BalancerCommand[]> {
    return [];
  }

  async activeConnections(vs: VirtualServiceDef, member: { host: string; port: number }): Promise<number> {
    const backend = haproxyBackendOf(vs)!;
    const servers = parseServersState(await this.client.send(`show servers state ${backend}`));
    const rs = vs.realServers.find((r) => r.host === member.host && r.port === member.port);
    const server = servers.find((s) => (rs && haproxyServerOf(rs) ? s.name === haproxyServerOf(rs) : s.address === member.host && s.port === member.port));
    if (!server) throw new Error(`no server ${member.host}:${member.port} in backend ${backend}`);
    const scur = currentSessions(await this.client.send(`show stat ${backend} 4 -1`), backend, server.name);
    if (scur === undefined) throw new Error(`no stats for ${backend}/${server.name}`);
    return scur;
  }
}
