import type { Model, RealServerDef } from '../model/model.js';
import { serverKey } from '../model/model-index.js';
import { verdictOf, type ProbeResult } from '../probes/types.js';
import type { ServerView } from '../state/server-state.js';
import { BeatRing, type Availability, type Beat } from './beat-ring.js';

/**
 * What the history needs of the state engine: the model in force and a
 * server's state after a result was applied (HealthReader's face; see
 * src/read/status-document.ts). Nothing else of the Monitor is read.
 */
export interface HistorySource {
  readonly current: Model;
  server(rs: RealServerDef): ServerView;
}

/** One server's history as the status page shows it. */
export interface HistorySummary {
  /** One letter per check result, oldest first: u up, d down, f failing (soft), r rising (soft), e check error, n no change (said nothing of the health). */
  beats: string;
  /** Each result's duration in milliseconds, rounded to 0.1 ms, in the same order. */
  durationsMs: number[];
  /** The hard state the results last said, and since when (epoch ms); sinceStart: already so when rsguard began following it. */
  state: 'up' | 'down' | null;
  since: number | null;
  sinceStart: boolean;
  lastHour: Availability;
  lastDay: Availability;
}

export interface HistoryReader {
  summary(vsKey: string, rsKey: string, now: number): HistorySummary | undefined;
}

interface Binding {
  key: string;
  rs: RealServerDef;
}

function beatOf(result: ProbeResult, hard: 'up' | 'down'): Beat {
  const v = verdictOf(result);
  if (v === 'error' || v === 'neutral') return v;
  if (v === 'up') return hard === 'up' ? 'up' : 'rising';
  return hard === 'down' ? 'down' : 'failing';
}

/**
 * A BeatRing per real server of the model in force, fed with every probe
 * outcome after the Monitor applied it. Keyed by the server's stable key
 * (virtual service key and ip:port), so a reload keeps the history of every
 * server it keeps, even when its checks' ids change (new timing); a server
 * the new model no longer has loses its ring at once.
 */
export class ServerHistory implements HistoryReader {
  private readonly rings = new Map<string, BeatRing>();
  private byCheck = new Map<string, Binding[]>();
  private model: Model | undefined;

  private failed = false;

  /** `onError`: told once, the first time a result cannot be recorded. */
  constructor(private readonly source: HistorySource, private readonly onError: (err: Error, check: string) => void = () => {}) {}

  /** observe, for the check path: only the page reads the history, so a fault in it never stops a check from being rescheduled. */
  observeSafely(checkId: string, result: ProbeResult, at: number): void {
    try {
      this.observe(checkId, result, at);
    } catch (err) {
      if (!this.failed) this.onError(err as Error, checkId);
      this.failed = true;
    }
  }


  /** One outcome, already applied to the source: every server using the check gets a beat. */
  observe(checkId: string, result: ProbeResult, at: number): void {
    this.sync();
    const timing = this.model!.checks.get(checkId)?.timing;
    if (!timing) return;
    // Past three intervals and a timeout without a result the state is stale (Monitor.isStale): unknown time.
    const maxGapMs = 3 * timing.intervalMs + timing.timeoutMs;
    for (const b of this.byCheck.get(checkId) ?? []) {
      let ring = this.rings.get(b.key);
      if (!ring) this.rings.set(b.key, (ring = new BeatRing(at)));
      const hard = this.source.server(b.rs).hardState;
      // A neutral beat holds the hard state for the availability: the server was checked and stood as it was.
      ring.record(at, beatOf(result, hard), result.durationMs, maxGapMs, hard);
    }
  }

  summary(vsKey: string, rsKey: string, now: number): HistorySummary | undefined {
    this.sync();
    const ring = this.rings.get(serverKey(vsKey, rsKey));
    if (!ring) return undefined;
    const cur = ring.current();
    return {
      beats: ring.letters(),
      durationsMs: ring.durationsMs(),
      state: cur?.state ?? null,
      since: cur?.since ?? null,
      sinceStart: cur?.sinceStart ?? false,
      lastHour: ring.lastHour(now),
      lastDay: ring.lastDay(now),
    };
  }

  /** Servers with a ring now. */
  size(): number {
    this.sync();
    return this.rings.size;
  }

  /** Follows the source's model: a reload (a new model object) re-indexes the checks and drops removed servers' rings. */
  private sync(): void {
    const model = this.source.current;
    if (model === this.model) return;
    const byCheck = new Map<string, Binding[]>();
    const keep = new Set<string>();
    for (const vs of model.virtualServices) {
      for (const rs of vs.realServers) {
        const key = serverKey(vs.key, rs.key);
        keep.add(key);
        for (const id of rs.checkIds) {
          const list = byCheck.get(id);
          if (list) list.push({ key, rs });
          else byCheck.set(id, [{ key, rs }]);
        }
      }
    }
    for (const key of this.rings.keys()) if (!keep.has(key)) this.rings.delete(key);
    this.byCheck = byCheck;
    this.model = model;
  }
}
