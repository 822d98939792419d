import net from 'node:net';
import { formatHostPort, parseHostPort } from '../../lib/address.js';
import type { ConfigIssue } from '../errors.js';
import { type Directive, type HostNames, type ImportResult, type Unresolved } from './imported.js';
import { parseHaproxy } from './haproxy-parser.js';
import { queryKey, resolveAll, type Lookup, type NameAnswers, type NameQuery } from '../../lib/name-lookup.js';
import { server, serverGlobals, serverParams } from './haproxy-server.js';
import { walkProxies } from './haproxy-proxies.js';
import { resolversOf, serverLines, startAddress } from './haproxy-server-lines.js';
import { followTrack, type ServerIndex, type TrackableServer } from './haproxy-track.js';


export interface HaproxyImportOptions {
  /** Environment for `"${NAME}"` (configuration.txt 2.3); process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Answers for the servers' host names (lib/name-lookup.ts); without them every name fails to resolve. */
  answers?: NameAnswers;
}

/** The host names haproxy.cfg's servers use and how each is asked (lib/name-lookup.ts). */
export function haproxyNameQueries(file: string, text: string, env: Readonly<Record<string, string | undefined>> = process.env): NameQuery[] {
  const parsed = parseHaproxy(file, text, env);
  const resolvers = resolversOf(parsed.sections);
  const out: NameQuery[] = [];
  walkProxies(file, parsed.sections, [], [], (s, settings) => {
    for (const l of serverLines(s, settings, resolvers, [])) if (l.query) out.push(l.query);
  });
  return out;
}

/**
 * Reads haproxy.cfg and writes the rsguard config that drives that HAProxy
 * through its runtime socket: one virtual service per backend (or listen)
 * with servers, each server's `check` turned into an rsguard check with
 * HAProxy's timing (inter, fastinter, rise, fall, timeout check) and weight.
 * HAProxy's checks must then be dropped from haproxy.cfg: two checkers would
 * undo each other. Backup servers stay HAProxy's: rsguard leaves servers it
 * does not list alone, and HAProxy sends traffic to its backups when every
 * other server is down or in maintenance.
 *
 * A backend is known to rsguard by its name (the runtime API says
 * `set server BACKEND/SERVER`), so several backends behind one frontend
 * (`use_backend` and `default_backend`) are several virtual services with
 * the frontend's bind as their address, a label only.
 */
export function importHaproxy(file: string, text: string, opts: HaproxyImportOptions = {}): ImportResult & { hostNames: HostNames } {
  const errors: ConfigIssue[] = [];
  const warnings: string[] = [];
  const tolerated: ConfigIssue[] = [];
  const lines = new Map<string, number>();
  const parsed = parseHaproxy(file, text, opts.env ?? process.env);
  const sections = parsed.sections;
  errors.push(...parsed.errors);
  warnings.push(...parsed.warnings);
  const answers = opts.answers ?? new Map<string, string[]>();
  const resolvers = resolversOf(sections);
  const globals = serverGlobals(sections);
  let socket: string | undefined;
  for (const s of sections.filter((x) => x.kind === 'global')) {
    for (const d of s.body.filter((x) => x.key === 'stats' && x.args[0] === 'socket')) {
      const path = d.args[1]!;
      const admin = d.args.includes('level') && d.args[d.args.indexOf('level') + 1] === 'admin';
      if (!socket || admin) socket = path.replace(/^(ipv4@|unix@)/, '');
      if (!admin) warnings.push(`${file}:${d.line}: stats socket ${path} is not level admin: rsguard needs "level admin" to set server states`);
    }
  }
  if (!socket) {
    socket = '/run/haproxy/admin.sock';
    warnings.push(`${file}: no "stats socket" in global: add "stats socket ${socket} mode 600 level admin" (rsguard drives HAProxy through it)`);
  }
  warnings.push(`${file}: drop "check" and "agent-check" from the servers below in haproxy.cfg once rsguard runs: HAProxy's own checks and agents would undo rsguard's decisions`);

  // Which frontends send traffic to which backend, for a virtual service address (a label: HAProxy is driven by backend name).
  const bindOf = new Map<string, string>();
  const dynamic: Directive[] = [];
  for (const f of sections.filter((x) => x.kind === 'frontend' || x.kind === 'listen')) {
    const binds = f.body.filter((d) => d.key === 'bind').flatMap((d) => (d.args[0] ?? '').split(','));
    const bind = binds.map(bindAddress).find((a) => a !== undefined);
    if (f.kind === 'listen') {
      if (bind && !bindOf.has(f.name)) bindOf.set(f.name, bind);
      continue;
    }
    for (const d of f.body.filter((x) => x.key === 'default_backend' || x.key === 'use_backend')) {
      const target = d.args[0];
      // `use_backend %[req.hdr(host),lower]`: the backend is chosen by name at run time, any of them may be.
      if (target?.includes('%[')) dynamic.push(d);
      else if (bind && target && !bindOf.has(target)) bindOf.set(target, bind);
    }
  }
  for (const d of dynamic) warnings.push(`${d.file}:${d.line}: ${d.key} ${d.args[0]} picks its backend at run time: every backend below is imported, reached that way or not`);

  let everyMs: number | undefined;
  const queries = new Map<string, NameQuery>();
  const unresolved: Unresolved[] = [];
  const virtualServices: Array<Record<string, unknown>> = [];
  for (const s of sections) if (s.kind === 'other') warnings.push(`${file}:${s.line}: ${s.name} section is HAProxy's, not read by rsguard${s.name.startsWith('resolvers ') ? ' (but for the names its servers resolve and its "hold valid")' : ''}`);
  const index: ServerIndex = { proxies: new Set(), servers: new Map() };
  walkProxies(file, sections, errors, warnings, (s, settings) => {
    if (s.kind === 'frontend') return;
    index.proxies.add(s.name);
    // HAProxy 2.x: "please use the 'bind' keyword for listening addresses"; 1.x took `listen NAME ADDR` as a bind.
    if (s.kind === 'listen' && s.args[0] !== undefined && s.args[0] !== 'from') {
      tolerated.push({ file, line: s.line, path: 'listen', message: `listen ${s.name} ${s.args[0]}: HAProxy 2 refuses an address here (please use the 'bind' keyword for listening addresses); read as a bind, as HAProxy 1 did` });
      const b = bindAddress(s.args[0]);
      if (b) bindOf.set(s.name, b);
    }
    const all = serverLines(s, settings, resolvers, errors);
    const bind = bindOf.get(s.name);
    const realServers: Array<Record<string, unknown>> = [];
    for (const l of all) {
      if (l.query?.resolvers) everyMs = Math.min(everyMs ?? Infinity, l.query.resolvers.holdValidMs);
      if (l.query) queries.set(queryKey(l.query), l.query);
      const entry: TrackableServer = { name: l.name, line: l.d, d: undefined, words: [...settings.defaultServer, ...(l.d.key === 'server' ? l.d.args.slice(2) : l.d.args.slice(3))], settings, vs: s.name };
      index.servers.set(`${s.name}/${l.name}`, entry);
      let d = l.d;
      if (l.host) {
        const start = startAddress(l, answers);
        const at = `${l.d.file}:${l.d.line}`;
        if (!start) {
          errors.push({ file: l.d.file, line: l.d.line, path: l.d.key, message: `could not resolve address '${l.host}' of server '${l.name}' (init-addr ${l.initAddr.join(',')}: HAProxy refuses to start)` });
          continue;
        }
        if (start.none) {
          // The name gave no address at all (not a template server past the answers): shown as a check error until it does
          // (a backup is HAProxy's own, as when it resolves).
          const backup = serverParams([...settings.defaultServer, ...(l.d.key === 'server' ? l.d.args.slice(2) : l.d.args.slice(3))]).flags.has('backup');
          if (l.query && !backup && !answers.get(queryKey(l.query))?.length) unresolved.push({ vs: virtualServices.length, name: l.host, port: Number(l.port) || 0, lookup: queryKey(l.query) });
          // With resolvers this is how HAProxy runs (more template slots than answers, a name not yet published); without, a name that did not resolve, which HAProxy only warns of.
          if (l.query?.resolvers) warnings.push(`${at}: server ${l.name}: no address for '${l.host}' (init-addr ${l.initAddr.join(',')}, or more template servers than answers): HAProxy keeps it in maint and rsguard leaves it out until the name resolves`);
          else tolerated.push({ file: l.d.file, line: l.d.line, path: l.d.key, message: `server ${l.name}: could not resolve address '${l.host}' (init-addr ${l.initAddr.join(',')}): HAProxy disables the server (maint) and starts; rsguard leaves it out` });
          continue;
        }
        if (l.query) warnings.push(`${at}: server ${l.name}: ${l.host} resolved to ${start.ip}${l.query.resolvers ? ` (resolvers ${l.query.resolvers.id}: asked again every ${l.query.resolvers.holdValidMs} ms by rsguard run on this file)` : ' (libc, once at start, as HAProxy does)'}`);
        const rest = l.d.key === 'server' ? l.d.args.slice(2) : l.d.args.slice(3);
        d = { ...l.d, args: [l.name, `${formatHostPort(start.ip!, undefined)}${l.port !== undefined ? `:${l.port}` : ''}`, ...rest] };
      }
      entry.d = d;
      const rs = server(d, settings, errors, warnings, globals);
      if (!rs) continue;
      if (realServers.some((r) => r.address === rs.address)) {
        warnings.push(`${l.d.file}:${l.d.line}: server ${l.name} has the address of another server of ${s.name} (${String(rs.address)}): rsguard knows a server by its address in a backend, so this one is left to HAProxy (keep its check in haproxy.cfg)`);
        continue;
      }
      lines.set(`virtualServices[${virtualServices.length}].realServers[${realServers.length}]`, l.d.line);
      realServers.push(rs);
      entry.rs = rs;
    }
    const vs = virtualAddress(bind, all[0]?.port);
    if (!bind) warnings.push(`${file}:${s.line}: ${s.kind} ${s.name} has no bind reached by a frontend: its virtual service is named ${vs} (only a label when rsguard drives HAProxy)`);
    // HAProxy starts such a backend and answers 503 until a server is up; rsguard shows it with an empty pool (a sorry server added in YAML still stands in).
    const waiting = unresolved.some((u) => u.vs === virtualServices.length);
    if (!realServers.length && !waiting) {
      const why = all.length ? 'every server line was left out (see the lines above: names that did not resolve, backups, addresses taken twice)' : 'no server lines (servers added at run time with `add server` on the CLI are not seen by rsguard)';
      warnings.push(`${file}:${s.line}: ${s.kind} ${s.name}: ${why}: loaded with an empty pool`);
    }
    lines.set(`virtualServices[${virtualServices.length}]`, s.line);
    virtualServices.push({ name: s.name, address: vs, haproxy: { backend: s.name }, realServers });
  });
  resolveTracks(index, errors, warnings, globals);
  // Only a file without a single backend or listen section is refused: it has no pool, empty or not, for rsguard to drive (see DOCS-PENDING).
  if (!virtualServices.length && !errors.length) errors.push({ file, message: 'no backend or listen section: nothing for rsguard to drive (HAProxy serves every frontend itself)' });
  return {
    input: { balancer: { kind: 'haproxy', socket, ...serverStateFileOf(sections, warnings) }, virtualServices },
    lines,
    warnings,
    errors,
    ...(tolerated.length ? { tolerated } : {}),
    // everyMs: the shortest `hold valid` of the resolvers sections in use.
    hostNames: { answers, queries, ...(everyMs !== undefined ? { everyMs } : {}), ...(unresolved.length ? { unresolved } : {}) },
  };
}

/**
 * Reads haproxy.cfg with its servers' host names resolved (lib/name-lookup.ts):
 * `previous` holds the answers of the config running now, which names
 * without a resolvers section keep (HAProxy resolves them once, at start);
 * `answered`: `previous` was just asked, take it all as it is.
 */
export async function importHaproxyResolved(file: string, text: string, previous?: NameAnswers, ask?: Lookup, answered = false): Promise<ImportResult & { hostNames: HostNames }> {
  const env = process.env;
  const answers = answered && previous ? new Map([...previous].map(([k, v]) => [k, [...v]])) : await resolveAll(haproxyNameQueries(file, text, env), previous, ask);
  return importHaproxy(file, text, { env, answers });
}

/**
 * The first IP:port of a bind (`bind [ADDR]:PORT[-END][,...]`, configuration.txt
 * 4.2 "bind"), for a label: `*`, `::` or nothing is every address; a port range
 * gives its first port; unix sockets, abns@, fd@ and sockpair@ have none.
 */
function bindAddress(bind: string): string | undefined {
  const b = bind.replace(/^(ipv4|ipv6|tcp|tcp4|tcp6|udp|udp4|udp6|quic4|quic6)@/, '');
  if (/^(unix|abns|fd|sockpair)@/.test(b) || b.startsWith('/')) return undefined;
  const colon = b.lastIndexOf(':');
  if (colon < 0) return undefined;
  const port = /^(\d+)(?:-\d+)?$/.exec(b.slice(colon + 1))?.[1];
  const host = b.slice(0, colon).replace(/^\[|\]$/g, '');
  if (!port) return undefined;
  if (host === '' || host === '*') return formatHostPort('0.0.0.0', Number(port));
  if (host === '::' || host === ':') return formatHostPort('::', Number(port));
  return net.isIP(host) ? formatHostPort(host, Number(port)) : formatHostPort('0.0.0.0', Number(port));
}

function virtualAddress(bind: string | undefined, firstPort: string | undefined): string {
  if (bind) return bind;
  const port = /^\d+$/.test(firstPort ?? '') ? Number(firstPort) : 80;
  return formatHostPort('0.0.0.0', port);
}

/**
 * `server-state-file` (global, relative to `server-state-base`) loaded at
 * start by `load-server-state-from-file global` (defaults or a backend): the
 * file rsguard keeps equal to HAProxy's state, so a reloaded HAProxy starts
 * with the servers rsguard holds out still out (balancer.serverStateFile).
 * A per-backend `local` file (named after the backend) is HAProxy's own.
 */
function serverStateFileOf(sections: ReturnType<typeof parseHaproxy>['sections'], warnings: string[]): { serverStateFile?: string } {
  const global = sections.filter((x) => x.kind === 'global').flatMap((x) => x.body);
  const file = global.find((d) => d.key === 'server-state-file')?.args[0];
  const base = global.find((d) => d.key === 'server-state-base')?.args[0];
  const loads = sections.flatMap((x) => x.body).filter((d) => d.key === 'load-server-state-from-file');
  if (!file) {
    if (!loads.length) warnings.push('haproxy.cfg has no server-state-file: a reload of HAProxy starts every server as haproxy.cfg says until rsguard reapplies (add "server-state-file /var/lib/haproxy/server-state" to global and "load-server-state-from-file global" to defaults)');
    return {};
  }
  if (!loads.some((d) => d.args[0] === 'global')) {
    warnings.push(`${loads[0]?.file ?? 'haproxy.cfg'}: server-state-file ${file} is never loaded (no "load-server-state-from-file global"): rsguard keeps it anyway`);
  }
  return { serverStateFile: file.startsWith('/') || !base ? file : `${base.replace(/\/$/, '')}/${file}` };
}

/**
 * Every server line with `track`, as HAProxy checks it at start (its
 * refusals are errors, for servers rsguard leaves alone too); a server rsguard
 * drives then tracks the first server of its chain rsguard drives (rsguard
 * YAML `track`), or gets the checks of the chain's checked server when
 * rsguard drives none of them (a backup, a second server at one address).
 */
function resolveTracks(index: ServerIndex, errors: ConfigIssue[], warnings: string[], globals: ReturnType<typeof serverGlobals>): void {
  for (const [key, entry] of index.servers) {
    const line = entry.d ?? entry.line;
    const p = serverParams(entry.words);
    const spec = p.values.get('track');
    if (spec === undefined) continue;
    const rs = entry.rs;
    if (rs) delete rs.track;
    // _srv_parse_finalize (server.c): a server is checked or tracks, never both.
    if (p.flags.has('check')) {
      errors.push({ file: line.file, line: line.line, path: 'track', message: `track ${spec} with check: unable to enable checks and tracking at the same time! (HAProxy refuses the server)` });
      continue;
    }
    const out = followTrack(index, entry.vs, key.slice(entry.vs.length + 1), line, errors);
    if (!rs || !out) continue;
    const at = `${line.file}:${line.line}`;
    if (out.track) {
      rs.track = out.track;
      warnings.push(`${at}: track ${spec}: server ${entry.name} follows ${out.track.virtualService}/${out.track.server}'s checks in rsguard; drop "track" here with the tracked server's "check" (HAProxy refuses to track a server without checks)`);
      continue;
    }
    const c = out.copyChecksOf!;
    if (!c.d) {
      errors.push({ file: line.file, line: line.line, path: 'track', message: `track ${spec}: the tracked server ${c.vs}/${c.name} has no address (init-addr none): HAProxy holds it, and this server with it, in maint; rsguard cannot follow that` });
      continue;
    }
    const found: ConfigIssue[] = [];
    // server() leaves backups to HAProxy; the checks of this one are wanted all the same.
    const copy = server({ ...c.d, args: [...c.d.args, 'no-backup'] }, c.settings, found, [], globals);
    // A second server at one address was read once already: its errors are not said twice.
    errors.push(...found.filter((f) => !errors.some((e) => e.line === f.line && e.message === f.message)));
    // Aimed at the tracked server, not at this one: a check without host or port is its server's.
    const where = parseHostPort(String(copy?.address ?? ''));
    const own = typeof where === 'string' ? {} : { host: where.host, ...(where.port !== undefined ? { port: where.port } : {}) };
    // Its own agent (server() put it in rs.checks) runs beside them.
    const agents = (rs.checks as Array<Record<string, unknown>> | undefined) ?? [];
    rs.checks = [...((copy?.checks as Array<Record<string, unknown>> | undefined) ?? []).map((check) => (check.unsupported ? check : { ...own, ...check })), ...agents];
    warnings.push(`${at}: track ${spec}: the chain ends at ${c.vs}/${c.name}, which rsguard leaves to HAProxy; its checks run in rsguard for server ${entry.name}`);
  }
}
