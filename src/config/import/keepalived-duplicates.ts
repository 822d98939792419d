import type { KaNode } from './keepalived-parser.js';
import { tolerate, type KaSink } from './keepalived-sink.js';

export type VsRecord = Record<string, unknown> & { realServers: Array<Record<string, unknown>> };

/** The service IPVS would be asked to add: what makes two virtual_server blocks one IPVS service. */
function serviceKey(vs: Record<string, unknown>): string {
  if (vs.address !== undefined) return `${String(vs.protocol ?? 'udp')}:${String(vs.address)}`;
  return `fwmark:${String(vs.fwmark)}:${String(vs.family ?? 'inet')}`;
}

/** Service-level fields whose later value keepalived never applies: its service add fails with EEXIST, which ipvs_talk ignores. */
const SERVICE_FIELDS = ['scheduler', 'forwarding', 'persistence', 'flags', 'onDown', 'sorryServer', 'quorum', 'hysteresis'] as const;

/**
 * Several virtual_server blocks for one service (a config management tool
 * writing a block per check, as Augeas' own tests do): keepalived 2.2.7 keeps
 * each block as its own virtual server on one IPVS service. The first block's
 * add creates the service and each real server; a later block's add of the same
 * service or destination fails with EEXIST, which ipvs_talk takes as success.
 * Then every block's checkers drive the same destination: any block whose
 * checker fails deletes it, so in the steady state the destination is in only
 * while every block's checkers pass. rsguard reads the blocks as that: one
 * service with the first block's settings, each real server carrying the
 * checks of every block that names it (all must pass), with a warning naming
 * the lines. (keepalived's order-dependent case, where a block whose checker
 * recovers re-adds a destination another block still has down, is not kept.)
 */
export class DuplicateVirtuals {
  private readonly byKey = new Map<string, { index: number; node: KaNode }>();

  constructor(private readonly sink: KaSink) {}

  /** The index of the service this block joins, after merging its real servers into it; undefined for a new service. */
  merge(vs: VsRecord, node: KaNode, into: VsRecord[], lines: Map<string, number>, rsLines: number[]): number | undefined {
    const key = serviceKey(vs);
    const first = this.byKey.get(key);
    if (!first) {
      this.byKey.set(key, { index: into.length, node });
      return undefined;
    }
    const target = into[first.index]!;
    const ignored = SERVICE_FIELDS.filter((f) => JSON.stringify(vs[f]) !== JSON.stringify(target[f]));
    tolerate(this.sink, node, `virtual server ${key.replace(/^(tcp|udp|sctp):/, '$1 ')} is also the virtual_server at line ${first.node.line}: `
      + 'keepalived keeps both blocks on one IPVS service (the second add fails with EEXIST, which it ignores), so rsguard merges this block into that one; '
      + `a real server named in both is up only while the checks of both pass${ignored.length ? `; this block's ${ignored.join(', ')} not applied (the first block's stand, as in IPVS)` : ''}`);
    vs.realServers.forEach((rs, i) => {
      const same = target.realServers.findIndex((o) => o.address === rs.address);
      if (same < 0) {
        lines.set(`virtualServices[${first.index}].realServers[${target.realServers.length}]`, rsLines[i]!);
        target.realServers.push(rs);
        return;
      }
      const kept = target.realServers[same]!;
      kept.checks = [...((kept.checks as unknown[] | undefined) ?? []), ...((rs.checks as unknown[] | undefined) ?? [])];
    });
    return first.index;
  }
}
