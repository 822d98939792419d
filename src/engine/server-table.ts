import type { Model, RealServerDef, VirtualServiceDef } from '../model/model.js';
import { serverKey } from '../model/model-index.js';
import { formatHostPort } from '../lib/address.js';
import type { PoolPlan } from '../planner/pool-plan.js';
import type { Health } from '../state/check-state.js';
import type { ServerRef } from './events.js';

/** Where an admin state came from: the HTTP API (and `rsguard drain`, its client), ldirectord's maintenancedir, or the server's HAProxy agent. */
export type AdminSource = 'api' | 'maintenancedir' | 'agent';

/**
 * An operator's hold on a real server, apart from its health: `drain` keeps
 * it in the table at weight 0 (its connections finish), `maint` takes it out
 * as a down server would be (absent, or weight 0 under onDown: quiescent).
 * Plain data with who, when and why, so it can be written to disk and read
 * back as it is.
 */
export interface AdminState {
  mode: 'drain' | 'maint';
  source: AdminSource;
  /** Who set it, as the source knows them (the API client's address); null when it cannot tell. */
  by: string | null;
  /** Epoch ms. */
  at: number;
  reason: string | null;
}

/** The drain or maint one agent check last asked for a server, kept until that check's `ready`. */
export interface AgentAsk {
  mode: AdminState['mode'];
  /** The check's label: the hold's `by`. */
  check: string;
  /** The agent's line: the hold's reason. */
  detail: string;
}

/** What the monitor knows of a server's health: written only by the monitor. */
export interface HealthFields {
  hardState: Health;
  /** When the hard state last changed; -Infinity when it has been so since rsguard started (no slow start at start). */
  hardSince: number;
  /** The check and what it saw when it last went hard down. */
  downCheck: string | null;
  downReason: string;
  /** Some check of the server flaps (Nagios flap detection): its transitions are not mailed. */
  flapping: boolean;
}

/**
 * Everything rsguard holds about one real server in one virtual service.
 * Each part has one writer: the monitor the health, the desired pool the
 * admin state and the safety valve's hold, the reconciler's report the
 * applied weight. Readers (pool, mail, status, metrics) see one table.
 */
export interface ServerRecord extends HealthFields {
  readonly vs: VirtualServiceDef;
  readonly rs: RealServerDef;
  readonly ref: ServerRef;
  admin: AdminState | null;
  /** Safety valve: when the hold that keeps this down server in the pool began; null when not held. */
  heldSince: number | null;
  /** The hard state the last plan used (the valve's view: a held server is up here); undefined before the first plan. */
  effective: Health | undefined;
  /** The weight last written to the balancer; undefined when never written or absent from its table. */
  applied: number | undefined;
  /**
   * What each of its agent checks asks and has not ended with `ready`, by
   * check id (written by the pool keeper); null when none. A reload keeps
   * only the asks of checks the server still has.
   */
  agentAsks: Map<string, AgentAsk> | null;
}

/** What rsguard holds about one virtual service. */
export interface ServiceRecord {
  readonly vs: VirtualServiceDef;
  /** The sorry server's hard state; null without a sorry server. Written by the monitor. */
  sorryHard: Health | null;
  /** The pool the balancer should have now; undefined before the first plan. Written by the desired pool. */
  plan: PoolPlan | undefined;
  /** The sorry server's weight last written to the balancer. */
  sorryApplied: number | undefined;
  /** Its real servers' records, in the config's order. */
  readonly servers: readonly ServerRecord[];
}

/**
 * The one table of servers and services. A reload rebuilds it from the new
 * model, carrying a record over only when its server is still there: what is
 * known of a removed server goes with it, and a server added back starts
 * clean (not drained, not held, not flapping, nothing applied).
 */
export class ServerTable {
  private servers = new Map<string, ServerRecord>();
  private services = new Map<string, ServiceRecord>();

  server(vsKey: string, rsKey: string): ServerRecord | undefined {
    return this.servers.get(serverKey(vsKey, rsKey));
  }

  allServers(): IterableIterator<ServerRecord> {
    return this.servers.values();
  }

  service(vsKey: string): ServiceRecord | undefined {
    return this.services.get(vsKey);
  }

  /** The weight last written for a member of a pool: a real server, or the sorry server. */
  appliedWeight(vsKey: string, memberKey: string): number | undefined {
    const rs = this.server(vsKey, memberKey);
    if (rs) return rs.applied;
    const svc = this.services.get(vsKey);
    const sorry = svc?.vs.sorryServer;
    return sorry && formatHostPort(sorry.host, sorry.port) === memberKey ? svc.sorryApplied : undefined;
  }

  /**
   * Rebuilds the table for `model`. `health` gives a server's health fields
   * from the record it had (undefined for a new one); `sorry` the sorry
   * server's hard state.
   */
  rebuild(model: Model, health: (rs: RealServerDef, old: ServerRecord | undefined) => HealthFields, sorry: (vs: VirtualServiceDef) => Health): void {
    const servers = new Map<string, ServerRecord>();
    const services = new Map<string, ServiceRecord>();
    for (const vs of model.virtualServices) {
      const oldService = this.services.get(vs.key);
      const records: ServerRecord[] = [];
      services.set(vs.key, { vs, sorryHard: vs.sorryServer ? sorry(vs) : null, plan: oldService?.plan, sorryApplied: oldService?.sorryApplied, servers: records });
      for (const rs of vs.realServers) {
        const key = serverKey(vs.key, rs.key);
        const old = this.servers.get(key);
        const h = health(rs, old);
        const record: ServerRecord = {
          vs,
          rs,
          ref: { vs: vs.key, vsName: vs.name, rs: rs.key },
          hardState: h.hardState,
          hardSince: h.hardSince,
          downCheck: h.downCheck,
          downReason: h.downReason,
          flapping: h.flapping,
          admin: old?.admin ?? null,
          heldSince: old?.heldSince ?? null,
          effective: old?.effective,
          applied: old?.applied,
          agentAsks: old?.agentAsks ? keptAsks(old.agentAsks, rs.checkIds) : null,
        };
        servers.set(key, record);
        records.push(record);
      }
    }
    this.servers = servers;
    this.services = services;
  }
}

/** The asks of the checks a server still has after a reload (a check id changes with its settings). */
function keptAsks(asks: Map<string, AgentAsk>, checkIds: readonly string[]): Map<string, AgentAsk> | null {
  for (const id of asks.keys()) if (!checkIds.includes(id)) asks.delete(id);
  return asks.size ? asks : null;
}
