import type { ConfigIssue } from '../errors.js';
import type { Directive } from './imported.js';
import type { ProxySettings } from './haproxy-proxies.js';
import { serverParams } from './haproxy-server.js';

/** One server line of a backend as the import saw it, for `track` (HAProxy finds tracked servers by backend and name). */
export interface TrackableServer {
  name: string;
  /** The server line as written, for messages. */
  line: Directive;
  /** The server line (for a name, with the address it resolved to); none when it started without one (init-addr none). */
  d: Directive | undefined;
  /** Its words after name and address, default-server's first: whether it is checked, tracks, is a backup. */
  words: string[];
  settings: ProxySettings;
  /** The real server written for it, when rsguard drives it (not a backup, not a second server at one address). */
  rs?: Record<string, unknown>;
  /** Its virtual service's name (the backend's). */
  vs: string;
}

/** The backend and listen sections by name, and `backend/server` → its line. */
export interface ServerIndex {
  proxies: Set<string>;
  servers: Map<string, TrackableServer>;
}

export interface TrackOutcome {
  /** Where the tracking server's state comes from in rsguard YAML: a real server of the config... */
  track?: { virtualService: string; server: string };
  /** ...or, when the chain ends at a server rsguard leaves to HAProxy, that server's line, whose checks it gets. */
  copyChecksOf?: TrackableServer;
}

/**
 * Follows `track [BACKEND/]SERVER` from a server of backend `proxy` as
 * srv_apply_track (server.c) does, with its refusals as errors on the line:
 * an unknown backend or server, a chain looping back, a tracked server with
 * neither check, agent nor track of its own, disable-on-404 on one side only.
 * The first server of the chain rsguard drives is tracked; a chain that
 * reaches none ends at the checked server, whose checks the tracker gets.
 */
export function followTrack(index: ServerIndex, proxy: string, name: string, d: Directive, errors: ConfigIssue[]): TrackOutcome | undefined {
  const refuse = (message: string) => void errors.push({ file: d.file, line: d.line, path: 'track', message });
  const seen = new Set<string>([`${proxy}/${name}`]);
  let from = proxy;
  let at = index.servers.get(`${proxy}/${name}`)!;
  for (;;) {
    const spec = trackOf(at);
    if (spec === undefined) break;
    const slash = spec.lastIndexOf('/');
    const px = slash >= 0 ? spec.slice(0, slash) : from;
    const sname = slash >= 0 ? spec.slice(slash + 1) : spec;
    if (!index.proxies.has(px)) return refuse(`track ${spec}: unable to find required proxy '${px}' for tracking (HAProxy refuses to start)`);
    const next = index.servers.get(`${px}/${sname}`);
    if (!next) return refuse(`track ${spec}: unable to find required server '${sname}' for tracking (HAProxy refuses to start)`);
    if (seen.has(`${px}/${sname}`)) return refuse(`track ${spec}: unable to track ${px}/${sname} as it belongs to a tracking chain looping back to ${px}/${sname} (HAProxy refuses to start)`);
    const p = serverParams(next.words);
    if (!p.flags.has('check') && !p.flags.has('agent-check') && !p.values.has('track')) return refuse(`track ${spec}: unable to use ${px}/${sname} for tracking as it does not have any check nor agent enabled (HAProxy refuses to start)`);
    if (px !== from && disableOn404(next.settings) !== disableOn404(at.settings)) return refuse(`track ${spec}: unable to use ${px}/${sname} for tracking: disable-on-404 option inconsistency (HAProxy refuses to start)`);
    seen.add(`${px}/${sname}`);
    // The first server of the chain that rsguard drives carries the state; its own track (if any) is followed by build-model.
    if (next.rs) return { track: { virtualService: next.vs, server: String(next.rs.address) } };
    from = px;
    at = next;
  }
  // No server of the chain is driven by rsguard: the checked one at its end is, for this tracker, checked here.
  return { copyChecksOf: at };
}

function trackOf(s: TrackableServer): string | undefined {
  return serverParams(s.words).values.get('track');
}

function disableOn404(s: ProxySettings): boolean {
  return s.check.httpCheck.some((d) => d.args[0] === 'disable-on-404');
}
