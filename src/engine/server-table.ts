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
   * Rebuilds the table for `model` at once. `health` gives a server's health
   * fields from the record it had (undefined for a new one); `sorry` the
   * sorry server's hard state.
   */
  rebuild(model: Model, health: (rs: RealServerDef, old: ServerRecord | undefined) => HealthFields, sorry: (vs: VirtualServiceDef) => Health): void {
    this.install(this.prepare(model), health, sorry);
  }

  /**
   * The allocating half of a rebuild, made ahead of the swap while readers
   * still see this table: every record and key of `model`, each paired with
   * the record it takes over. Valid until this table is installed anew.
   */
  prepare(model: Model): PreparedTable {
    const servers = new Map<string, ServerRecord>();
    const services = new Map<string, ServiceRecord>();
    const records: ServerRecord[] = [];
    const olds: Array<ServerRecord | undefined> = [];
    const serviceList: Array<[ServiceRecord, ServiceRecord | undefined]> = [];
    for (const vs of model.virtualServices) {
      const list: ServerRecord[] = [];
      const service: ServiceRecord = { vs, sorryHard: null, plan: undefined, sorryApplied: undefined, servers: list };
      services.set(vs.key, service);
      serviceList.push([service, this.services.get(vs.key)]);
      for (const rs of vs.realServers) {
        const key = serverKey(vs.key, rs.key);
        // Every field now, so all records share one shape; install() writes the ones that are carried or follow health.
        const record: ServerRecord = { vs, rs, ref: { vs: vs.key, vsName: vs.name, rs: rs.key }, hardState: 'up', hardSince: -Infinity, downCheck: null, downReason: '', flapping: false, admin: null, heldSince: null, effective: undefined, applied: undefined, agentAsks: null };
        servers.set(key, record);
        list.push(record);
        records.push(record);
        olds.push(this.servers.get(key));
      }
    }
    return { model, servers, services, records, olds, serviceList, against: this.servers };
  }

  /**
   * The cheap half: fills the prepared records from the ones they take over
   * (read now, so a hold or a transition since the prepare is not lost) and
   * from `health`, then swaps them in. One pass, no allocation per server
   * beyond what `health` makes.
   */
  install(p: PreparedTable, health: (rs: RealServerDef, old: ServerRecord | undefined) => HealthFields, sorry: (vs: VirtualServiceDef) => Health): void {
    // Prepared against another table (rebuilt since): its pairs of records are not this table's.
    if (p.against !== this.servers) p = this.prepare(p.model);
    const { records, olds } = p;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const old = olds[i];
      const h = health(record.rs, old);
      record.hardState = h.hardState;
      record.hardSince = h.hardSince;
      record.downCheck = h.downCheck;
      record.downReason = h.downReason;
      record.flapping = h.flapping;
      if (!old) continue;
      record.admin = old.admin;
      record.heldSince = old.heldSince;
      record.effective = old.effective;
      record.applied = old.applied;
      record.agentAsks = old.agentAsks ? keptAsks(old.agentAsks, record.rs.checkIds) : null;
    }
    for (const [svc, old] of p.serviceList) {
      svc.sorryHard = svc.vs.sorryServer ? sorry(svc.vs) : null;
      svc.plan = old?.plan;
      svc.sorryApplied = old?.sorryApplied;
    }
    this.servers = p.servers;
    this.services = p.services;
  }
}

/** A table made for a model and not installed yet (ServerTable.prepare). */
export interface PreparedTable {
  readonly model: Model;
  readonly servers: Map<string, ServerRecord>;
  readonly services: Map<string, ServiceRecord>;
  /** Every new record, and at the same index the record it takes over (none for a new server). */
  readonly records: readonly ServerRecord[];
  readonly olds: ReadonlyArray<ServerRecord | undefined>;
  /** Every new service record with the one it takes over. */
  readonly serviceList: ReadonlyArray<readonly [ServiceRecord, ServiceRecord | undefined]>;
  /** The records map it was prepared against. */
  readonly against: ReadonlyMap<string, ServerRecord>;
}

/** The asks of the checks a server still has after a reload (a check id changes with its settings). */
function keptAsks(asks: Map<string, AgentAsk>, checkIds: readonly string[]): Map<string, AgentAsk> | null {
  for (const id of asks.keys()) if (!checkIds.includes(id)) asks.delete(id);
  return asks.size ? asks : null;
}
