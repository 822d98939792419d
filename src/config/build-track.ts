import type { PathSegment } from './errors.js';
import type { CheckDef, RealServerDef, VirtualServiceDef } from '../model/model.js';
import type { PathIssue } from './build-check.js';

/** A real server with `track`, waiting for every virtual service to be built. */
export interface PendingTrack {
  rs: RealServerDef;
  /** Its own checks (agents only: HAProxy refuses a tracking server's own check). */
  own: string[];
  want: { virtualService?: string | undefined; server: string };
  path: PathSegment[];
}

/**
 * HAProxy's `track [BACKEND/]SERVER` (configuration.txt 5.2, srv_apply_track
 * in server.c): the tracking server's state is the tracked server's. It is
 * made so by giving it the checks at the end of the chain of tracks: the same
 * check ids, so the same check states, so the same hard state at the same
 * moment, never a probe of its own that could disagree. What HAProxy refuses
 * is refused with its reason: a server or service that does not exist, a
 * chain looping back, an end of chain without checks.
 */
export function resolveTracks(pending: PendingTrack[], services: VirtualServiceDef[], checks: Map<string, CheckDef>, issues: PathIssue[]): void {
  if (!pending.length) return;
  const owner = new Map<RealServerDef, VirtualServiceDef>();
  for (const vs of services) for (const rs of vs.realServers) owner.set(rs, vs);
  const wants = new Map(pending.map((p) => [p.rs, p]));
  const find = (from: RealServerDef, want: PendingTrack['want']): { vs: VirtualServiceDef; rs: RealServerDef } | string => {
    const own = owner.get(from)!;
    const vs = want.virtualService === undefined ? own : (services.find((v) => v.name === want.virtualService) ?? services.find((v) => v.key === want.virtualService));
    if (!vs) return `unable to find the virtual service ${JSON.stringify(want.virtualService)} for tracking`;
    const rs = vs.realServers.find((r) => r.key === want.server || r.host === want.server);
    if (!rs) return `unable to find the real server ${want.server} of ${vs.name} for tracking`;
    return { vs, rs };
  };
  const touched = new Set<VirtualServiceDef>();
  for (const p of pending) {
    if (!owner.has(p.rs)) continue; // its virtual service was refused
    const first = find(p.rs, p.want);
    if (typeof first === 'string') {
      issues.push({ path: p.path, message: first });
      continue;
    }
    // Follow the chain to the server that is checked, refusing a loop as HAProxy does.
    const seen = new Set<RealServerDef>([p.rs]);
    // The agents of every tracking server on the chain: a server marked down (or drained) by its agent takes its trackers with it.
    const agents = [...p.own];
    let at = first;
    let problem: string | undefined;
    for (;;) {
      if (seen.has(at.rs)) {
        problem = `unable to track ${at.vs.name}/${at.rs.key} as it belongs to a tracking chain looping back to it`;
        break;
      }
      seen.add(at.rs);
      const next = wants.get(at.rs);
      if (!next) break;
      agents.push(...next.own);
      const n = find(at.rs, next.want);
      if (typeof n === 'string') {
        problem = `${at.vs.name}/${at.rs.key}, which this server tracks, cannot be followed: ${n}`;
        break;
      }
      at = n;
    }
    if (problem) {
      issues.push({ path: p.path, message: problem });
      continue;
    }
    if (!at.rs.checkIds.length) {
      issues.push({ path: p.path, message: `unable to use ${at.vs.name}/${at.rs.key} for tracking as it has no checks (HAProxy: "does not have any check nor agent enabled")` });
      continue;
    }
    p.rs.checkIds = [...new Set([...at.rs.checkIds, ...agents])];
    p.rs.track = { vs: first.vs.key, rs: first.rs.key, own: p.own };
    touched.add(owner.get(p.rs)!);
  }
  // The safety valve's "one interval" counts the checks a tracking server now follows.
  for (const vs of touched) vs.intervalMs = Math.max(0, ...vs.realServers.flatMap((r) => r.checkIds.map((id) => checks.get(id)?.timing.intervalMs ?? 0)));
}
