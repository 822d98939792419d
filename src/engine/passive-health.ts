import { parseServerCounters, SHOW_SERVER_STATS, type ServerCounters } from '../actuators/haproxy/error-counters.js';
import { haproxyBackendOf, haproxyServerOf } from '../actuators/haproxy/options.js';
import { passiveOf, type ActivePassiveSpec } from '../actuators/haproxy/passive-spec.js';
import type { Model, RealServerDef, VirtualServiceDef } from '../model/model.js';
import { formatHostPort } from '../lib/address.js';
import { realTimers, type Timers } from '../lib/timers.js';
import type { ProbeResult } from '../probes/types.js';
import { initialTrack, observeRead, type PassiveTrack } from './passive-window.js';

/** What passive health needs of the Monitor: the model, each server's hard state, and applying a result to a check. */
export interface PassiveTarget {
  readonly current: Model;
  serverRecord(vsKey: string, rsKey: string): { hardState: 'up' | 'down' } | undefined;
  check(id: string): { kind: string; label: string } | undefined;
  apply(checkId: string, result: ProbeResult, at?: number): number;
}

/** One server's passive health as status shows it. */
export interface PassiveStatus {
  observe: ActivePassiveSpec['observe'];
  errorLimit: number;
  onError: ActivePassiveSpec['onError'];
  /** Errors and good answers seen since rsguard started watching it. */
  errors: number;
  ok: number;
  /** Errors of the current run of reads without a good answer. */
  run: number;
  /** The last time its errors made the on-error action happen, and why. */
  lastAction: { at: number; action: ActivePassiveSpec['onError']; why: string } | null;
  /** Its counters could not be read (no such server in HAProxy); null when they were. */
  problem: string | null;
}

export interface PassiveLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Told of every read window of every observed server (metrics). */
export type PassiveObserver = (vs: VirtualServiceDef, rs: RealServerDef, errors: number, ok: number, acted: boolean) => void;

/**
 * Passive health for the HAProxy balancer (HAProxy `observe` + `on-error` +
 * `error-limit`, Envoy's outlier detection): every `passiveInterval` it reads
 * every server's counters in one `show stat` and, for each server with
 * `passive` set, turns the errors since the last read into its on-error
 * action on the server's active checks (passive-window.ts says how the run is
 * counted). A server so taken down leaves the pool as any down server does and
 * comes back only when its active checks pass `rise` times: passive health
 * never reports a server up, so a server out of traffic (no errors) stays out.
 * A read that fails changes nothing (logged once per run of failures).
 */
export class PassiveHealth {
  private readonly tracks = new Map<string, PassiveTrack>();
  private readonly statuses = new Map<string, PassiveStatus>();
  private handle: unknown;
  private running = false;
  private failing = false;

  constructor(
    private readonly target: PassiveTarget,
    private readonly read: (command: string) => Promise<string>,
    private readonly log: PassiveLog,
    private readonly clock: () => number = Date.now,
    private readonly observer?: PassiveObserver,
    private readonly timers: Timers = realTimers,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.timers.clearTimeout(this.handle);
  }

  status(vsKey: string, rsKey: string): PassiveStatus | null {
    return this.statuses.get(`${vsKey}\n${rsKey}`) ?? null;
  }

  private arm(): void {
    const model = this.target.current;
    const every = (model.balancer as { passiveIntervalMs?: number }).passiveIntervalMs ?? 1000;
    this.handle = this.timers.setTimeout(() => {
      // The next read is armed once this one is done: a slow HAProxy never gets two reads at once.
      // A fault of rsguard's in a round (the state code throws) is logged and the reads go on; uncaught it would
      // reject this promise and end the process.
      void this.tick()
        .catch((err: Error) => this.log.warn({ err: err.message, stack: err.stack }, 'passive health round failed: a fault of rsguard, the next read goes on'))
        .finally(() => {
          if (this.running) this.arm();
        });
    }, every);
  }

  /** One read and what it does; exported for tests that drive it by hand. */
  async tick(): Promise<void> {
    const watched = this.watched(this.target.current);
    if (!watched.length) {
      this.tracks.clear();
      this.statuses.clear();
      return;
    }
    let counters: Map<string, ServerCounters>;
    try {
      counters = parseServerCounters(await this.read(SHOW_SERVER_STATS));
      if (this.failing) this.log.info({}, 'passive health reads HAProxy counters again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.log.warn({ err: (err as Error).message }, 'passive health cannot read HAProxy counters: nothing changes until it can');
      this.failing = true;
      return;
    }
    const at = this.clock();
    const byAddr = new Map<string, ServerCounters>();
    for (const c of counters.values()) byAddr.set(`${c.backend}/${c.addr}`, c);
    const seen = new Set<string>();
    // One check shared by several servers (the same server in two backends) is acted on once per read.
    const actedOn = new Set<string>();
    for (const { vs, rs, spec, backend } of watched) {
      const key = `${vs.key}\n${rs.key}`;
      seen.add(key);
      const name = haproxyServerOf(rs);
      const c = name !== undefined ? counters.get(`${backend}/${name}`) : byAddr.get(`${backend}/${formatHostPort(rs.host, rs.port)}`);
      const before = this.statuses.get(key);
      const status: PassiveStatus = { observe: spec.observe, errorLimit: spec.errorLimit, onError: spec.onError, errors: 0, ok: 0, run: 0, lastAction: before?.lastAction ?? null, problem: null };
      if (!c) {
        status.problem = name !== undefined ? `no server ${backend}/${name} in HAProxy's counters` : `no server with address ${rs.key} in backend ${backend}`;
        this.statuses.set(key, status);
        continue;
      }
      const { next, window } = observeRead(this.tracks.get(key) ?? initialTrack(), c, spec);
      this.tracks.set(key, next);
      Object.assign(status, { errors: next.errors, ok: next.ok, run: next.run });
      let acted = false;
      // A server already down is out of traffic: errors of its last requests do not push its recovery further away.
      if (window.trip && this.target.serverRecord(vs.key, rs.key)?.hardState !== 'down') {
        acted = true;
        status.lastAction = { at, action: spec.onError, why: window.trip };
        const detail = `passive: ${window.trip} in ${backend}/${c.server}`;
        this.log.warn({ vs: vs.name, rs: rs.key, server: `${backend}/${c.server}`, onError: spec.onError, why: window.trip }, 'passive health: errors in traffic count against the server');
        for (const id of rs.checkIds) {
          if (actedOn.has(id) || this.target.check(id)?.kind === 'agent') continue;
          actedOn.add(id);
          this.target.apply(id, { ok: false, durationMs: 0, detail, reason: spec.observe === 'layer7' ? 'status' : 'refused', passive: spec.onError }, at);
        }
      }
      this.statuses.set(key, status);
      this.observer?.(vs, rs, window.errors, window.ok, acted);
    }
    for (const key of [...this.tracks.keys()]) if (!seen.has(key)) this.tracks.delete(key);
    for (const key of [...this.statuses.keys()]) if (!seen.has(key)) this.statuses.delete(key);
  }

  /** The watched servers of the model in force: derived from it alone, so built once per model, not at every read. */
  private watchedFor: { model: Model; list: Watched[] } | undefined;

  private watched(model: Model): Watched[] {
    if (this.watchedFor?.model !== model) this.watchedFor = { model, list: watchedOf(model) };
    return this.watchedFor.list;
  }
}

type Watched = { vs: VirtualServiceDef; rs: RealServerDef; spec: ActivePassiveSpec; backend: string };

function watchedOf(model: Model): Watched[] {
  if (model.balancer.kind !== 'haproxy') return [];
  const out: Watched[] = [];
  for (const vs of model.virtualServices) {
    const backend = haproxyBackendOf(vs);
    if (backend === undefined) continue;
    for (const rs of vs.realServers) {
      const spec = passiveOf(vs, rs);
      if (spec) out.push({ vs, rs, spec, backend });
    }
  }
  return out;
}
