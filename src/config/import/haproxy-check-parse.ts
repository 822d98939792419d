import net from 'node:net';
import type { Directive } from './imported.js';

/** Parsers of HAProxy's connect, send and expect rules (tcpcheck.c), for haproxy-checks.ts and haproxy-http-check.ts. */

/** Something rsguard cannot do in a check: the marker that stands for the check, and the issue. */
export class Unsupported extends Error {
  constructor(
    readonly d: { file: string; line: number },
    readonly what: string,
    readonly replaceWith: string,
  ) {
    super(what);
  }
}

/** A line HAProxy itself refuses (its parse error): an error naming the directive. */
export class Refused extends Error {
  constructor(
    readonly d: { file: string; line: number },
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Connect {
  /** `default`, or the implicit first connect: the server line's check settings apply. */
  default: boolean;
  port?: number;
  addr?: string;
  ssl: boolean;
  sni?: string;
  alpn?: string;
  proto?: string;
  sendProxy: boolean;
  socks4: boolean;
  d?: Directive;
}

/** `tcp-check connect` / `http-check connect` options (parse_tcpcheck_connect, tcpcheck.c). */
export function parseConnect(d: Directive): Connect {
  const c: Connect = { default: false, ssl: false, sendProxy: false, socks4: false, d };
  for (let i = 1; i < d.args.length; i++) {
    const k = d.args[i]!;
    const v = () => {
      const x = d.args[++i];
      if (x === undefined) throw new Refused(d, `${d.key} connect`, `"${k}" expects an argument`);
      return x;
    };
    if (k === 'default') c.default = true;
    else if (k === 'port') {
      const p = v();
      if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) throw new Unsupported(d, `${d.key} connect port ${p} (a sample expression)`, '{ kind: ..., port: N }');
      c.port = Number(p);
    } else if (k === 'addr') {
      const a = v();
      const m = /^(?:ipv4@|ipv6@)?(\[[^\]]+\]|[^:]+|[0-9a-fA-F:]+)(?::(\d+))?$/.exec(a);
      const host = m?.[1]?.replace(/^\[|\]$/g, '');
      if (!host || !net.isIP(host)) throw new Refused(d, `${d.key} connect`, `addr ${a}: expected an IP address`);
      c.addr = host;
      // tcpcheck_eval_connect: a port in addr is used when the rule names no port.
      if (m?.[2] && c.port === undefined) c.port = Number(m[2]);
    } else if (k === 'send-proxy') c.sendProxy = true;
    else if (k === 'via-socks4') c.socks4 = true;
    else if (k === 'ssl') c.ssl = true;
    else if (k === 'sni') c.sni = v();
    else if (k === 'alpn') c.alpn = v();
    else if (k === 'proto') c.proto = v();
    else if (k === 'comment') v();
    else if (k !== 'linger') throw new Refused(d, `${d.key} connect`, `unknown ${d.key} connect option "${k}"`);
  }
  return c;
}

type HeaderMethod = 'str' | 'beg' | 'end' | 'sub' | 'reg';

/** `hdr|fhdr name[-lf] [-m meth] <name> [value[-lf] [-m meth] <value>]` (parse_tcpcheck_expect). */
export interface HeaderExpect {
  full: boolean;
  name: string;
  nameLf: boolean;
  nameMatch: HeaderMethod;
  value?: string;
  valueLf: boolean;
  valueMatch: HeaderMethod;
}

export interface Expect {
  not: boolean;
  kind: 'string' | 'rstring' | 'binary' | 'rbinary' | 'status' | 'rstatus' | 'string-lf' | 'binary-lf' | 'hdr';
  /** The pattern; for `hdr`, see `hdr`. */
  pattern: string;
  /** min-recv (absent: -1, HAProxy's default). */
  minRecv?: number;
  hdr?: HeaderExpect;
}

const METHODS = ['str', 'beg', 'end', 'sub', 'reg'];

/** The header pattern from args[i] (`hdr` or `fhdr`); returns it and the index of its last word. */
function parseHeaderExpect(d: Directive, i: number): { hdr: HeaderExpect; last: number } {
  const kw = d.args[i]!;
  const a = (n: number) => d.args[n] ?? '';
  const refuse = (msg: string) => new Refused(d, `${d.key} expect`, `'${kw}' ${msg} (HAProxy refuses it)`);
  if (!a(i + 1) || !a(i + 2) || (a(i + 1) !== 'name' && a(i + 1) !== 'name-lf')) throw refuse('expects the name keyword as first argument followed by a pattern');
  const nameLf = a(i + 1) === 'name-lf';
  let cur = i + 2;
  const method = (lf: boolean): HeaderMethod => {
    const m = a(cur + 1);
    if (!m) throw refuse(`: '-m' expects a matching method ('str', 'beg', 'end', 'sub' or 'reg')`);
    if (!METHODS.includes(m)) throw refuse(`: '-m' only supports 'str', 'beg', 'end', 'sub' or 'reg' (got '${m}')`);
    if (m === 'reg' && lf) throw refuse(': log-format string is not supported with a regex matching method');
    return m as HeaderMethod;
  };
  let nameMatch: HeaderMethod = 'str';
  if (a(cur) === '-m') {
    nameMatch = method(nameLf);
    cur += 2;
  }
  const name = a(cur);
  const hdr: HeaderExpect = { full: kw === 'fhdr', name, nameLf, nameMatch, valueLf: false, valueMatch: 'str' };
  if (a(cur + 1) !== 'value' && a(cur + 1) !== 'value-lf') return { hdr, last: cur };
  hdr.valueLf = a(cur + 1) === 'value-lf';
  if (a(cur + 2) === '-m') {
    cur += 2;
    hdr.valueMatch = method(hdr.valueLf);
  }
  if (!a(cur + 2)) throw refuse('expects a pattern with the value keyword');
  hdr.value = a(cur + 2);
  return { hdr, last: cur + 2 };
}

/** atol: the leading integer, else 0. */
const atol = (s: string) => Number(/^\s*[-+]?\d+/.exec(s)?.[0] ?? 0);

/** `expect [options] [!] <match> <pattern> [options]` (parse_tcpcheck_expect, tcpcheck.c). */
export function parseExpect(d: Directive, http: boolean): Expect {
  let not = false;
  let kind: Expect['kind'] | undefined;
  let pattern: string | undefined;
  let minRecv: number | undefined;
  let hdr: HeaderExpect | undefined;
  for (let i = 1; i < d.args.length; i++) {
    let k = d.args[i]!;
    if (k.startsWith('!')) {
      while (k.startsWith('!')) {
        not = !not;
        k = k.slice(1);
      }
      if (!k) continue;
    }
    const v = () => {
      const x = d.args[++i];
      if (x === undefined) throw new Refused(d, `${d.key} expect`, `"${k}" expects an argument`);
      return x;
    };
    if (k === 'min-recv') {
      const n = atol(v());
      if (n < -1 || n > 2147483647) throw new Refused(d, `${d.key} expect`, "'min-recv' expects -1 or an integer from 0 to INT_MAX (HAProxy refuses it)");
      // An HTTP reply is read whole here before it is judged: judging its first bytes is not something the http probe does.
      if (http && n !== -1) throw new Unsupported(d, `${d.key} expect min-recv ${n} (judging a reply before it is complete)`, '{ kind: http, expectRules: [...] } without min-recv');
      minRecv = n === -1 ? undefined : n;
    } else if (k === 'ok-status' || k === 'error-status' || k === 'tout-status') {
      // L7OKC puts the server in NOLB (up, no new traffic): a third verdict rsguard's checks do not give.
      if (v() === 'L7OKC') throw new Unsupported(d, `${d.key} expect ${k} L7OKC (a server kept up but out of new traffic)`, 'the rule without L7OKC');
    } else if (k === 'comment' || k === 'on-success' || k === 'on-error' || k === 'status-code') v();
    else if (['string', 'rstring', 'binary', 'rbinary', 'status', 'rstatus', 'string-lf', 'binary-lf'].includes(k)) {
      if (kind) throw new Refused(d, `${d.key} expect`, 'only one pattern expected');
      if (http ? k === 'binary' || k === 'rbinary' || k === 'binary-lf' : k === 'status' || k === 'rstatus') throw new Refused(d, `${d.key} expect`, `"${k}" is not a ${d.key} expect match`);
      kind = k as Expect['kind'];
      pattern = v();
    } else if (k === 'hdr' || k === 'fhdr') {
      if (!http) throw new Refused(d, `${d.key} expect`, `"${k}" is not a ${d.key} expect match`);
      if (kind) throw new Refused(d, `${d.key} expect`, 'only one pattern expected');
      const h = parseHeaderExpect(d, i);
      kind = 'hdr';
      hdr = h.hdr;
      pattern = h.hdr.name;
      i = h.last;
    } else throw new Refused(d, `${d.key} expect`, `unknown ${d.key} expect keyword "${k}"`);
  }
  if (!kind || pattern === undefined) throw new Refused(d, `${d.key} expect`, 'expects a match and a pattern');
  if (kind === 'binary' && !/^([0-9a-fA-F]{2})+$/.test(pattern)) throw new Refused(d, `${d.key} expect`, `binary ${pattern}: expected an even number of hex digits`);
  return { not, kind, pattern, ...(minRecv !== undefined ? { minRecv } : {}), ...(hdr ? { hdr } : {}) };
}

/** `status 200,201,300-310` as rsguard status items. */
export function statusCodes(d: Directive, codes: string): Array<number | string> {
  return codes.split(',').map((c) => {
    if (!/^\d{3}(-\d{3})?$/.test(c)) throw new Refused(d, 'http-check expect', `status ${codes}: expected codes and ranges like 200,300-310`);
    return /^\d+$/.test(c) && Number(c) >= 100 && Number(c) <= 599 ? Number(c) : c;
  });
}

export interface Send {
  method: string;
  path: string;
  /** `uri-lf`: the path is this log-format string. */
  pathLf?: boolean;
  /** Values are log-format strings (`hdr <name> <fmt>`, and the option's headers too). */
  headers: Record<string, string>;
  body?: string;
  /** `body-lf`: the body is this log-format string. */
  bodyLf?: boolean;
  /** The request line's version as written (`ver`, or the option's third word); HAProxy's default is HTTP/1.0. */
  version?: string;
  /** The request line came from `option httpchk` (merged into the first explicit send, tcpcheck_add_http_rule). */
  fromOption: boolean;
  d?: Directive;
}

/**
 * `option httpchk [METH] [URI] [VERSION]`; the version may hide headers and a
 * body (`HTTP/1.1\r\nHost:\ www\r\n\r\nbody`, proxy_parse_httpchk_req).
 */
export function httpchk(args: string[]): Send {
  const [a, b, c] = args;
  const method = args.length >= 2 ? a! : 'OPTIONS';
  const path = args.length >= 2 ? b! : (a ?? '/');
  const headers: Record<string, string> = {};
  const [head, ...body] = (c ?? '').split('\r\n\r\n');
  for (const h of head!.split(/\r?\n/).slice(1)) {
    const i = h.indexOf(':');
    if (i > 0) headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  const version = head!.split(/\r?\n/)[0]!.trim();
  return { method: method.toUpperCase(), path, headers, ...(version ? { version } : {}), ...(body.length ? { body: body.join('\r\n\r\n') } : {}), fromOption: true };
}

/** `http-check send` (parse_tcpcheck_send_http), merged over the option's request line (tcpcheck_overwrite_send_http_rule). */
export function parseSend(d: Directive, base: Send | undefined): Send {
  // tcpcheck_overwrite_send_http_rule: the explicit rule's headers replace the option's, even with none.
  const out: Send = base ? { ...base, headers: {}, fromOption: false, d } : { method: 'OPTIONS', path: '/', headers: {}, fromOption: false, d };
  for (let i = 1; i < d.args.length; i++) {
    const k = d.args[i]!;
    const v = () => {
      const x = d.args[++i];
      if (x === undefined) throw new Refused(d, 'http-check send', `"${k}" expects an argument`);
      return x;
    };
    if (k === 'meth') out.method = v().toUpperCase();
    else if (k === 'uri' || k === 'uri-lf') {
      out.path = v();
      out.pathLf = k === 'uri-lf';
    } else if (k === 'ver') out.version = v();
    else if (k === 'hdr') {
      const name = v();
      out.headers[name] = v();
    } else if (k === 'body' || k === 'body-lf') {
      out.body = v();
      out.bodyLf = k === 'body-lf';
    }
    else if (k === 'comment') v();
    else throw new Refused(d, 'http-check send', `unknown http-check send keyword "${k}"`);
  }
  return out;
}

