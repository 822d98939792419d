import net from 'node:net';
import type { ConfigIssue } from '../errors.js';
import type { Directive } from './imported.js';
import type { HaproxySection } from './haproxy-parser.js';
import type { ProxySettings } from './haproxy-proxies.js';
import { queryKey, type NameAnswers, type NameQuery, type ResolversDef } from '../../lib/name-lookup.js';
import { haproxyTime } from './haproxy-time.js';

/** The server lines of a proxy as HAProxy starts them: names, templates, init-addr, resolvers. */
const DEFAULT_HOLD_VALID = 10_000;

/** `resolvers NAME` sections: their `hold valid` and nameservers (configuration.txt 5.3.2). */
export function resolversOf(sections: HaproxySection[]): Map<string, ResolversDef> {
  const out = new Map<string, ResolversDef>();
  for (const s of sections.filter((x) => x.kind === 'other' && x.name.startsWith('resolvers '))) {
    const id = s.name.slice('resolvers '.length);
    const hold = s.body.find((d) => d.key === 'hold' && d.args[0] === 'valid');
    const nameservers = s.body.filter((d) => d.key === 'nameserver' && d.args[1]).map((d) => d.args[1]!.replace(/^(udp@|ipv4@|ipv6@|udp4@|udp6@)/, ''));
    out.set(id, { id, holdValidMs: haproxyTime(hold?.args[1]) ?? DEFAULT_HOLD_VALID, nameservers });
  }
  return out;
}

/** The last value of `key` on a server line, after its default-server's (the server's own win). */
function lastValue(words: readonly string[], key: string): string | undefined {
  const i = words.lastIndexOf(key);
  return i >= 0 ? words[i + 1] : undefined;
}

/** `host[:port]` of a server address, with HAProxy's address prefixes (configuration.txt 11) taken off. */
function splitServerAddress(addr: string): { host: string; port: string | undefined; family?: 'ipv4' | 'ipv6' } {
  const prefix = /^(ipv4|ipv6|tcp|tcp4|tcp6)@/.exec(addr)?.[1];
  const rest = prefix ? addr.slice(prefix.length + 1) : addr;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracket) return { host: bracket[1]!, port: bracket[2] };
  if (net.isIPv6(rest)) return { host: rest, port: undefined };
  const colon = rest.lastIndexOf(':');
  const family = prefix === 'ipv4' || prefix === 'tcp4' ? 'ipv4' : prefix === 'ipv6' || prefix === 'tcp6' ? 'ipv6' : undefined;
  return { host: colon >= 0 ? rest.slice(0, colon) : rest, port: colon >= 0 ? rest.slice(colon + 1) : undefined, ...(family ? { family } : {}) };
}

/** One `server` line, or each server of a `server-template` line (`server-template srv 1-3 host:80`: srv1, srv2, srv3). */
export interface ServerLine {
  d: Directive;
  name: string;
  host: string;
  port: string | undefined;
  /** Its place in a server-template (0 for a plain server): it takes that answer of the name's. */
  index: number;
  query?: NameQuery;
  initAddr: string[];
}

export function serverLines(s: HaproxySection, settings: ProxySettings, resolvers: Map<string, ResolversDef>, errors: ConfigIssue[]): ServerLine[] {
  const out: ServerLine[] = [];
  for (const d of s.body) {
    let names: string[];
    let addr: string | undefined;
    let rest: string[];
    if (d.key === 'server') {
      [addr, ...rest] = d.args.slice(1);
      names = [d.args[0] ?? ''];
    } else if (d.key === 'server-template') {
      // cfgparse-listen.c / server.c _srv_parse_init: <num> is 1..num, <low>-<high> is low..high.
      const m = /^(\d+)(?:-(\d+))?$/.exec(d.args[1] ?? '');
      const [low, high] = m ? (m[2] ? [Number(m[1]), Number(m[2])] : [1, Number(m[1])]) : [0, -1];
      if (!m || low > high || low < 0) {
        errors.push({ file: d.file, line: d.line, path: 'server-template', message: `server-template expects <prefix> <num | range> <fqdn>[:<port>], got ${JSON.stringify(d.args.slice(0, 3).join(' '))}` });
        continue;
      }
      names = Array.from({ length: high - low + 1 }, (_, k) => `${d.args[0]}${low + k}`);
      [addr, ...rest] = d.args.slice(2);
    } else continue;
    if (!addr) {
      out.push({ d, name: names[0]!, host: '', port: undefined, index: 0, initAddr: [] });
      continue;
    }
    const words = [...settings.defaultServer, ...rest];
    const { host, port, family } = splitServerAddress(addr);
    const resolversId = lastValue(words, 'resolvers');
    const section = resolversId === undefined ? undefined : resolvers.get(resolversId);
    if (resolversId !== undefined && !section) errors.push({ file: d.file, line: d.line, path: 'resolvers', message: `can't find resolvers section '${resolversId}' for server '${names[0]}'` });
    const prefer = lastValue(words, 'resolve-prefer') === 'ipv4' || family === 'ipv4' ? 'ipv4' : 'ipv6';
    // A resolvers section asks again every `hold valid`; libc answers once, when HAProxy starts.
    const query: NameQuery | undefined = net.isIP(host) ? undefined : { name: host, prefer, again: section ? 'always' : 'never', ...(section ? { resolvers: section } : {}) };
    const initAddr = (lastValue(words, 'init-addr') ?? 'last,libc').split(',');
    names.forEach((name, index) => out.push({ d, name, host, port, index, initAddr, ...(query ? { query } : {}) }));
  }
  return out;
}

/**
 * The address HAProxy starts the server with (server.c srv_iterate_initaddr):
 * each `init-addr` method in turn; `last` reads HAProxy's server-state-file,
 * which rsguard does not, `libc` is the start-time answer, `none` starts the
 * server in maint with no address, an IP is taken as is. A server-template
 * server takes its own answer, as HAProxy's resolvers give them out.
 */
export function startAddress(l: ServerLine, answers: NameAnswers): { ip?: string; none?: true } | undefined {
  if (!l.query) return { ip: l.host };
  const got = answers.get(queryKey(l.query)) ?? [];
  // Without resolvers every server of a template resolves the name the same way (libc's first answer).
  const index = l.query.resolvers ? l.index : 0;
  // With resolvers, whatever init-addr gave at start, HAProxy soon hands each answer to one
  // server and puts the servers left over in maint (the steady state rsguard checks).
  if (l.query.resolvers && got.length) return got[index] === undefined ? { none: true } : { ip: got[index]! };
  for (const m of l.initAddr) {
    if (m === 'libc' && got[index] !== undefined) return { ip: got[index]! };
    if (m === 'none') return { none: true };
    if (net.isIP(m)) return { ip: m };
  }
  return undefined;
}
