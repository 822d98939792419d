import type { SyncDaemonStatus } from '../actuators/ipvs/sync-daemon-keeper.js';
import type { Health } from '../state/check-state.js';
import { formatHostPort } from '../lib/address.js';
import { virtualServiceByKey } from '../model/model-index.js';
import type { VirtualServiceDef } from '../model/model.js';
import type { CheckError, LastCheck } from '../state/check-state.js';
import { stateType } from '../state/check-state.js';
import type { CheckDef, Model, RealServerDef } from '../model/model.js';
import type { BalancerStatus } from '../actuators/reconciler.js';
import type { AdminState, ServerRecord } from '../engine/server-table.js';
import type { UnresolvedView } from '../engine/unresolved-servers.js';
import type { LeftAlone } from '../actuators/actuator.js';
import type { PoolPlan } from '../planner/pool-plan.js';
type PoolMember = PoolPlan['members'][number];
import type { LeaseView } from '../scheduler/leader-lease.js';
import type { CheckState } from '../state/check-state.js';
import type { ServerView } from '../state/server-state.js';
import type { PassiveStatus } from '../engine/passive-health.js';

/**
 * The read side: what the status document, the table, metrics and mail need
 * to know, as two narrow interfaces. The Monitor and the PoolKeeper implement
 * them; nothing that only reads depends on those classes.
 */
export interface HealthReader {
  readonly current: Model;
  server(rs: RealServerDef): ServerView;
  checkState(id: string): CheckState | undefined;
  check(id: string): CheckDef | undefined;
  isStale(id: string, now: number): boolean;
  sorryHealth(vs: VirtualServiceDef): Health;
  unresolvedServers(vsKey: string): readonly UnresolvedView[];
}

export interface PoolReader {
  plan(vsKey: string): PoolPlan | undefined;
  drained(vsKey: string): ReadonlySet<string>;
  heldBySafetyValve(vsKey: string): ReadonlySet<string>;
  balancerStatus(): BalancerStatus;
  leftAlone(vsKey: string): LeftAlone | undefined;
  /** A service's real servers' records (hold, weight last applied) in `vs.realServers`' order: one look-up per
   * service, not a key built and looked up per server at every request. */
  serverRecords(vs: VirtualServiceDef): ReadonlyArray<ServerHolds | undefined>;
}

/** What the read side takes of a server's record. */
export type ServerHolds = Pick<ServerRecord, 'admin' | 'applied'>;

/** An admin state as /api/status shows it. */
export interface AdminJson {
  mode: AdminState['mode'];
  source: AdminState['source'];
  by: string | null;
  since: string;
  reason: string | null;
}

/** One VRRP instance or sync group: configured ones are listed from the start, in state "unknown" until keepalived reports one. */
export interface VrrpStatus {
  kind: 'instance' | 'group';
  name: string;
  /** The last state keepalived reported (MASTER, BACKUP, FAULT, STOP...), or "unknown". */
  state: string;
  /** When that state was reported; null while unknown. */
  since: string | null;
  /** The priority reported with it (notify's fourth argument); null while unknown. */
  priority: number | null;
  via: string | null;
  /** From the config; a name keepalived reports that the config does not have is listed with configured false. */
  configured: boolean;
  interface: string | null;
  configuredPriority: number | null;
  virtualIps: string[];
  /** Sync group members. */
  instances?: string[];
  /** keepalived's own notify scripts (keepalived runs them). */
  keepalivedNotify: Record<string, string> | null;
}

export interface VrrpReader {
  vrrp(): VrrpStatus[];
  /** The IPVS connection sync daemon that follows a VRRP instance; null when none is configured. */
  syncDaemon?(): SyncDaemonStatus | null;
  /** HAProxy passive health of one real server (engine/passive-health.ts); null when it has none. */
  passive?(vsKey: string, rsKey: string): PassiveStatus | null;
}

/** The `/api/status` document. The field names in the contract are fixed; more fields are additions. */
export interface StatusDocument {
  generatedAt: string;
  source: string;
  balancer: BalancerStatus;
  virtualServices: VirtualServiceStatus[];
  vrrp: VrrpStatus[];
  /** Distributed mode: this scheduler's role, the lease holder and its fencing token (absent in embedded mode). */
  leadership?: LeaseView;
  /** IPVS balancer with `syncDaemon`: the role wanted for the instance's state and what `ipvsadm -L --daemon` shows. */
  ipvsSyncDaemon?: SyncDaemonStatus | null;
}

export interface LastCheckJson {
  /** null: the check said nothing of the health (an agent with no up/down word, or not reached). */
  ok: boolean | null;
  at: string;
  durationMs: number;
  detail: string;
  reason?: string;
}

/** The check cannot run (rsguard's fault); the state shown is held from before. */
export interface CheckErrorJson {
  reason: string;
  detail: string;
  since: string;
  count: number;
}

export interface RealServerStatus {
  /** `ip:port` as the drain API takes it. */
  key: string;
  address: string;
  port: number;
  /** The weight the pool planner wants in the balancer now (0 when out of the pool). */
  weight: number;
  configuredWeight: number;
  inPool: boolean;
  drained: boolean;
  /** Who drained it (or put it in maintenance), from where, when and why; null when no operator holds it. */
  admin: AdminJson | null;
  /** Down, but kept in the pool by the safety valve (maxDownFraction) until a second round confirms it. */
  heldBySafetyValve: boolean;
  forwarding: string;
  /** `unknown`: never checked, its name gives no address (checkError reason `unresolved`). */
  state: 'up' | 'down' | 'unknown';
  stateType: 'soft' | 'hard';
  hardState: 'up' | 'down' | 'unknown';
  flapping: boolean;
  /** No result for over three intervals (workers or Redis away): the state shown is the last known one. */
  stale: boolean;
  /** Set when one of its checks cannot run: the state is held, not measured. */
  checkError: CheckErrorJson | null;
  lastCheck: LastCheckJson | null;
  /** HAProxy passive health (`haproxy.passive`): errors seen in its traffic, the current run, the last on-error action; absent without it. */
  passive?: Omit<PassiveStatus, 'lastAction'> & { lastAction: { at: string; action: string; why: string } | null };
  /** HAProxy `track`: the server (virtual service name/address) whose checks, listed below, give this one its state; null when it has its own. */
  tracks: string | null;
  checks: Array<{
    id: string;
    label: string;
    state: 'up' | 'down';
    stateType: 'soft' | 'hard';
    consecutiveOk: number;
    consecutiveFail: number;
    flapPercent: number;
    checkError: CheckErrorJson | null;
    lastCheck: LastCheckJson | null;
  }>;
}

export interface VirtualServiceStatus {
  name: string;
  key: string;
  address: string | null;
  port: number | null;
  fwmark: number | null;
  protocol: string;
  scheduler: string;
  sorryServer: string | null;
  sorryServerActive: boolean;
  /** What the sorry server's own checks say (up when it has none); null without a sorry server. */
  sorryServerHealth: Health | null;
  quorumUp: boolean;
  realServers: RealServerStatus[];
  /** The balancer had this service before rsguard: rsguard manages its real servers but never deletes it. */
  adopted: boolean;
  /** Real servers in the balancer that the config does not name and rsguard did not add: left in place (foreignServers: keep). */
  foreign: LeftAlone['foreign'];
  /** Settings of an adopted service that differ from the config and are left as found (`scheduler rr (config: wlc)`). */
  leftAsFound: string[];
}

function checkErrorJson(e: CheckError | null | undefined): CheckErrorJson | null {
  return e ? { reason: e.reason, detail: e.detail, since: new Date(e.since).toISOString(), count: e.count } : null;
}

function adminJson(a: AdminState | null): AdminJson | null {
  return a ? { mode: a.mode, source: a.source, by: a.by, since: new Date(a.at).toISOString(), reason: a.reason } : null;
}

function lastCheckJson(c: LastCheck | null): LastCheckJson | null {
  if (!c) return null;
  return { ok: c.ok, at: new Date(c.at).toISOString(), durationMs: c.durationMs, detail: c.detail, ...(c.reason ? { reason: c.reason } : {}) };
}

function vsStatus(vs: VirtualServiceDef, monitor: HealthReader, pools: PoolReader, now: number, extra: VrrpReader): VirtualServiceStatus {
  const plan = pools.plan(vs.key);
  const drained = pools.drained(vs.key);
  const held = pools.heldBySafetyValve(vs.key);
  // A map per service, not a search per server (quadratic in a service's servers, at every status document).
  const members = new Map<string, PoolMember>();
  for (const m of plan?.members ?? []) if (m.role === 'real') members.set(m.key, m);
  const records = pools.serverRecords(vs);
  const realServers: RealServerStatus[] = vs.realServers.map((rs, i) => {
    const view = monitor.server(rs);
    const member = members.get(rs.key);
    const passive = extra.passive?.(vs.key, rs.key);
    return {
      key: rs.key,
      address: rs.host,
      port: rs.port,
      weight: member?.weight ?? 0,
      configuredWeight: rs.weight,
      inPool: member !== undefined,
      drained: drained.has(rs.key),
      admin: adminJson(records[i]?.admin ?? null),
      heldBySafetyValve: held.has(rs.key),
      forwarding: rs.forwarding,
      state: view.state,
      stateType: view.stateType,
      hardState: view.hardState,
      flapping: view.flapping,
      stale: rs.checkIds.some((id) => monitor.isStale(id, now)),
      checkError: checkErrorJson(rs.checkIds.map((id) => monitor.checkState(id)?.checkError).find((e) => e)),
      lastCheck: lastCheckJson(view.lastCheck),
      ...(passive ? { passive: { ...passive, lastAction: passive.lastAction ? { ...passive.lastAction, at: new Date(passive.lastAction.at).toISOString() } : null } } : {}),
      tracks: rs.track ? `${virtualServiceByKey(monitor.current, rs.track.vs)?.name ?? rs.track.vs}/${rs.track.rs}` : null,
      checks: rs.checkIds.map((id) => {
        const s = monitor.checkState(id)!;
        return {
          id,
          label: monitor.check(id)?.label ?? id,
          state: s.state,
          stateType: stateType(s),
          consecutiveOk: s.consecutiveOk,
          consecutiveFail: s.consecutiveFail,
          flapPercent: Math.round(s.flap.percent * 100) / 100,
          checkError: checkErrorJson(s.checkError),
          lastCheck: lastCheckJson(s.lastCheck),
        };
      }),
    };
  });
  // A server whose name gives no address is not in the pool and has no verdict: listed as a check error.
  for (const u of monitor.unresolvedServers(vs.key)) {
    realServers.push({
      key: formatHostPort(u.name, u.port),
      address: u.name,
      port: u.port,
      weight: 0,
      configuredWeight: 0,
      inPool: false,
      drained: false,
      admin: null,
      heldBySafetyValve: false,
      forwarding: vs.forwarding,
      state: 'unknown',
      stateType: 'hard',
      hardState: 'unknown',
      flapping: false,
      stale: false,
      tracks: null,
      checkError: { reason: 'unresolved', detail: `unresolved ${u.name}`, since: new Date(u.since).toISOString(), count: 1 },
      lastCheck: null,
      checks: [],
    });
  }
  const found = pools.leftAlone(vs.key);
  return {
    name: vs.name,
    key: vs.key,
    address: vs.host ?? null,
    port: vs.port ?? null,
    fwmark: vs.fwmark ?? null,
    protocol: vs.protocol,
    scheduler: vs.scheduler,
    sorryServer: vs.sorryServer ? formatHostPort(vs.sorryServer.host, vs.sorryServer.port) : null,
    sorryServerActive: plan?.sorryActive ?? false,
    sorryServerHealth: vs.sorryServer ? monitor.sorryHealth(vs) : null,
    quorumUp: plan?.quorumUp ?? true,
    realServers,
    adopted: found?.adopted ?? false,
    foreign: found?.foreign ?? [],
    leftAsFound: found?.settings ?? [],
  };
}

export function statusDocument(monitor: HealthReader, pools: PoolReader, now: number, vrrp: VrrpReader): StatusDocument {
  const model = monitor.current;
  return {
    generatedAt: new Date(now).toISOString(),
    source: model.source,
    balancer: pools.balancerStatus(),
    virtualServices: model.virtualServices.map((vs) => vsStatus(vs, monitor, pools, now, vrrp)),
    vrrp: vrrp.vrrp(),
    ...(vrrp.syncDaemon ? { ipvsSyncDaemon: vrrp.syncDaemon() } : {}),
  };
}
