import type { HistoryReader } from '../history/server-history.js';
import type { BalancerStatus } from '../engine/pool-keeper.js';
import type { StatusDocument, VrrpStatus } from './status-document.js';

/** One real server on the status page: its state now and its recent history, in as few bytes as reads well. */
export interface BoardServer {
  key: string;
  /** unknown: a server whose name gives no address (listed with a check error, no verdict). */
  state: 'up' | 'down' | 'unknown';
  stateType: 'soft' | 'hard';
  weight: number;
  configuredWeight: number;
  inPool: boolean;
  drained: boolean;
  /** In maintenance: out of the pool whatever its checks say. */
  maint: boolean;
  /** Who holds it (drain or maintenance), when and why, as one line; null when not held. */
  hold: string | null;
  heldBySafetyValve: boolean;
  flapping: boolean;
  stale: boolean;
  /** `reason: detail` while a check cannot run (the state is held). */
  checkError: string | null;
  /** The latest result's detail and duration (the one holding the server down, when down). */
  detail: string;
  lastMs: number | null;
  /** u d f r e per result, oldest first (see HistorySummary). */
  beats: string;
  ms: number[];
  /** Epoch ms since the hard state is what it is; sinceStart: so since rsguard began following the server. */
  since: number | null;
  sinceStart: boolean;
  /** Fraction up over the last hour and day (hard state, time-weighted), null while nothing is known. */
  hour: number | null;
  day: number | null;
}

export interface BoardService {
  name: string;
  key: string;
  where: string;
  scheduler: string;
  sorryServer: string | null;
  sorryServerActive: boolean;
  quorumUp: boolean;
  servers: BoardServer[];
  /** What the balancer holds that rsguard leaves alone (as /api/status): an adopted service, foreign members, settings left as found. */
  adopted: boolean;
  foreign: Array<{ server: string; forwarding: string; weight: number }>;
  leftAsFound: string[];
}

/** `/api/board`: what the status page draws, for thousands of servers in one poll. */
export interface StatusBoard {
  generatedAt: string;
  source: string;
  balancer: BalancerStatus;
  /** Drain and undrain can be set (an API token is configured). */
  writable: boolean;
  services: BoardService[];
  vrrp: VrrpStatus[];
}

function where(vs: StatusDocument['virtualServices'][number]): string {
  if (vs.protocol === 'fwmark') return `fwmark ${vs.fwmark}`;
  const host = vs.address && vs.address.includes(':') ? `[${vs.address}]` : (vs.address ?? '');
  return `${vs.protocol.toUpperCase()} ${host}${vs.port !== null ? `:${vs.port}` : ''}`;
}

const ratio = (r: number | null): number | null => (r === null ? null : Math.round(r * 100_000) / 100_000);

export function statusBoard(doc: StatusDocument, history: HistoryReader, now: number, writable: boolean): StatusBoard {
  return {
    generatedAt: doc.generatedAt,
    source: doc.source,
    balancer: doc.balancer,
    writable,
    vrrp: doc.vrrp,
    services: doc.virtualServices.map((vs) => ({
      name: vs.name,
      key: vs.key,
      where: where(vs),
      scheduler: vs.scheduler,
      sorryServer: vs.sorryServer,
      sorryServerActive: vs.sorryServerActive,
      quorumUp: vs.quorumUp,
      adopted: vs.adopted,
      foreign: vs.foreign,
      leftAsFound: vs.leftAsFound,
      servers: vs.realServers.map((rs) => {
        const h = history.summary(vs.key, rs.key, now);
        return {
          key: rs.key,
          state: rs.state,
          stateType: rs.stateType,
          weight: rs.weight,
          configuredWeight: rs.configuredWeight,
          inPool: rs.inPool,
          drained: rs.drained,
          maint: rs.admin?.mode === 'maint',
          hold: rs.admin ? holdLine(rs.admin) : null,
          heldBySafetyValve: rs.heldBySafetyValve,
          flapping: rs.flapping,
          stale: rs.stale,
          checkError: rs.checkError ? `${rs.checkError.reason}: ${rs.checkError.detail}` : null,
          detail: rs.lastCheck?.detail ?? '',
          lastMs: rs.lastCheck ? Math.round(rs.lastCheck.durationMs * 10) / 10 : null,
          beats: h?.beats ?? '',
          ms: h?.durationsMs ?? [],
          since: h?.since ?? null,
          sinceStart: h?.sinceStart ?? false,
          hour: ratio(h?.lastHour.ratio ?? null),
          day: ratio(h?.lastDay.ratio ?? null),
        };
      }),
    })),
  };
}

function holdLine(a: NonNullable<StatusDocument['virtualServices'][number]['realServers'][number]['admin']>): string {
  const who = [`${a.mode === 'maint' ? 'maintenance' : 'drain'} since ${a.since}`, a.by ? `by ${a.by}` : '', `through ${a.source}`].filter(Boolean).join(' ');
  return a.reason ? `${who}: ${a.reason}` : who;
}
