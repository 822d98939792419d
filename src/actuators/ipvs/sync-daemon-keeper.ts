import type { Logger } from '../../lib/logger.js';
import type { VrrpState, VrrpTransition } from '../../model/vrrp-event.js';
import { CommandUnavailable, execRunner, type CommandRunner } from './command-runner.js';
import { parseDaemons, roleFor, syncCommands, type RunningDaemon, type SyncDaemonDef, type SyncRole } from './sync-daemon.js';

/** The sync daemon in /api/status. */
export interface SyncDaemonStatus {
  interface: string;
  vrrpInstance: string;
  syncId: number;
  /** The instance's last reported state; null before keepalived reported one (the daemon then runs as backup). */
  vrrpState: string | null;
  /** What rsguard runs now for that state. */
  want: SyncRole | 'stopped';
  /** As `ipvsadm -L --daemon` last showed it. */
  running: RunningDaemon[];
  lastCheckedAt: string | null;
  /** The last command that failed, or the listing that could not be read; null once the daemons match. */
  error: string | null;
}

/**
 * Runs the IPVS sync daemon to follow one VRRP instance (keepalived
 * lvs_sync_daemon): acts on each transition of that instance as it comes
 * off the event bus, and checks `ipvsadm -L --daemon` every repair interval,
 * so a daemon stopped by hand or with other settings is put back. One pass
 * at a time; a transition during a pass makes one more.
 */
export class SyncDaemonKeeper {
  private state: VrrpState | undefined;
  private want: SyncRole | 'stopped' = 'backup';
  private running: RunningDaemon[] = [];
  private lastCheckedAt: number | null = null;
  private error: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly runner: CommandRunner,
    private def: SyncDaemonDef | undefined,
    private intervalMs: number,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {}

  start(): void {
    this.kick();
    this.arm();
  }

  private arm(): void {
    clearInterval(this.timer);
    if (this.intervalMs > 0) this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer?.unref();
  }

  /** A reload: another instance, interface or id is applied at once (the running daemon is restarted with them). */
  reconfigure(def: SyncDaemonDef | undefined, intervalMs: number): void {
    if (def?.vrrpInstance !== this.def?.vrrpInstance) this.state = undefined;
    const wasOn = this.def !== undefined;
    this.def = def;
    this.intervalMs = intervalMs;
    this.arm();
    // Dropped from the config: what rsguard ran is stopped once, and then the daemons are no longer rsguard's.
    if (wasOn || def) this.kick(wasOn && !def);
  }

  onVrrp(t: VrrpTransition): void {
    if (!this.def || t.kind !== 'INSTANCE' || t.name !== this.def.vrrpInstance) return;
    this.state = t.state;
    this.kick();
  }

  /**
   * rsguard stopping leaves the daemon as it is. keepalived stops it with its
   * instance because the VIPs leave with it; rsguard's stop moves no VIP, and
   * stopping the master's daemon made a restart on the master start as backup
   * (no transition comes to say MASTER again): both directors received, none
   * sent, and a failover dropped every connection. Running on, it is adopted
   * at the next start (roleFor keeps a matching daemon's role).
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopped = true;
    await this.busy;
  }

  /** A release asked while a pass runs is kept for the next (else a reload dropping syncDaemon mid-pass left it running). */
  private releaseNext = false;

  private kick(release = false): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      this.releaseNext ||= release;
      return;
    }
    this.busy = this.pass(release).finally(() => {
      this.busy = undefined;
      if (this.again) {
        this.again = false;
        const next = this.releaseNext;
        this.releaseNext = false;
        this.kick(next);
      }
    });
  }

  private async pass(release: boolean): Promise<void> {
    if (!this.def && !release) return;
    try {
      const listed = await this.runner.run(['-L', '--daemon']);
      if (listed.code !== 0) throw new Error(`${this.runner.bin} -L --daemon failed (${listed.code}): ${listed.stderr.trim()}`);
      const running = parseDaemons(listed.stdout);
      if (typeof running === 'string') throw new Error(running);
      this.running = running;
      this.want = release ? 'stopped' : roleFor(this.state, this.want, running, this.def);
      const errors: string[] = [];
      for (const args of syncCommands(running, this.want, release ? undefined : this.def)) {
        const res = await this.runner.run(args);
        const command = `${this.runner.bin} ${args.join(' ')}`;
        if (res.code === 0) this.log.info({ command, vrrpInstance: this.def?.vrrpInstance, vrrpState: this.state ?? null, want: this.want }, 'IPVS sync daemon changed');
        else errors.push(`${command}: ${res.stderr.trim() || `exit ${res.code}`}`);
      }
      const after = await this.runner.run(['-L', '--daemon']);
      const now = after.code === 0 ? parseDaemons(after.stdout) : running;
      if (typeof now !== 'string') this.running = now;
      this.report(errors.length ? errors.join('; ') : null);
    } catch (err) {
      this.report(err instanceof CommandUnavailable || err instanceof Error ? err.message : String(err));
    }
    this.lastCheckedAt = this.clock();
  }

  /** Logged when it changes, not at every repair. */
  private report(error: string | null): void {
    if (error && error !== this.error) this.log.error({ err: error, vrrpInstance: this.def?.vrrpInstance }, 'IPVS sync daemon not as configured');
    if (!error && this.error) this.log.info({ vrrpInstance: this.def?.vrrpInstance }, 'IPVS sync daemon as configured again');
    this.error = error;
  }

  status(): SyncDaemonStatus | null {
    if (!this.def) return null;
    const { interface: iface, vrrpInstance, syncId } = this.def;
    return { interface: iface, vrrpInstance, syncId, vrrpState: this.state ?? null, want: this.want, running: this.running, lastCheckedAt: this.lastCheckedAt === null ? null : new Date(this.lastCheckedAt).toISOString(), error: this.error };
  }
}

interface IpvsSyncSettings {
  kind: string;
  ipvsadm?: string;
  timeoutMs?: number;
  reconcileIntervalMs: number;
  syncDaemon?: Omit<SyncDaemonDef, 'syncId'> & { syncId?: number };
}

/** The sync daemon settings of a balancer definition (undefined for another kind, or with none); syncId was resolved at load. */
export function syncDaemonDef(b: IpvsSyncSettings): SyncDaemonDef | undefined {
  const s = b.kind === 'ipvs' ? b.syncDaemon : undefined;
  return s && s.syncId !== undefined ? { ...s, syncId: s.syncId } : undefined;
}

/** For the composition root: a keeper for an IPVS balancer (it may get a sync daemon on a reload), none for another kind. */
export function createSyncDaemonKeeper(b: IpvsSyncSettings, log: Logger, clock: () => number): SyncDaemonKeeper | undefined {
  if (b.kind !== 'ipvs') return undefined;
  return new SyncDaemonKeeper(execRunner(b.ipvsadm ?? 'ipvsadm', b.timeoutMs ?? 5000), syncDaemonDef(b), b.reconcileIntervalMs, log, clock);
}
