import net from 'node:net';
import type { ConfigIssue } from '../errors.js';
import { unsupportedPart, type Directive } from './imported.js';

export interface CheckOptions {
  /** The proxy's check option (`option httpchk ...`, `option tcp-check`, `option smtpchk`...), if any. */
  option?: { name: string; args: string[]; line: number };
  httpCheck: Directive[];
  tcpCheck: Directive[];
}

/** A server's check transport, as init_srv_check (check.c) and ssl_sock_prepare_srv_ctx (ssl_sock.c) set it up. */
export interface ServerCheck {
  /** The check's own connection is TLS (check-ssl, or ssl inherited without port/addr). */
  ssl: boolean;
  /** verify, else global ssl-server-verify; HAProxy's default is required. */
  verify: boolean;
  caFile?: string;
  crlFile?: string;
  crt?: string;
  /** check-sni: the SNI of checks (the server's `sni` is never used by checks). */
  sni?: string;
  verifyHost?: string;
  /** check-alpn. */
  alpn?: string;
  /** check-proto, else the server's proto. */
  proto?: string;
  protoFromServer?: boolean;
  /** PROXY protocol on checks (check-send-proxy, or send-proxy inherited without port/addr). */
  sendProxy: boolean;
  socks4: boolean;
}

type Check = Record<string, unknown>;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);
/** Any status: the expect rules decide (HAProxy checks no status when an explicit rule does not). */
const ANY_STATUS = ['000-999'];
/** tune.bufsize: what HAProxy reads of a reply before it judges it as it is. */
const BUFSIZE = 16384;

/** Something rsguard cannot do in a check: the marker that stands for the check, and the issue. */
class Unsupported extends Error {
  constructor(
    readonly d: { file: string; line: number },
    readonly what: string,
    readonly replaceWith: string,
  ) {
    super(what);
  }
}

/** A line HAProxy itself refuses (its parse error): an error naming the directive. */
class Refused extends Error {
  constructor(
    readonly d: { file: string; line: number },
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

interface Connect {
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
function parseConnect(d: Directive): Connect {
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

/** What a connect rule ends up using: its own options, else with `default` the server line's (tcpcheck_eval_connect). */
function resolveConnect(c: Connect, srv: ServerCheck, http: boolean): { tls: boolean; sni?: string; alpn?: string; port?: number; addr?: string } {
  const at = c.d ?? { file: '', line: 0 };
  const where = c.d ? `${c.d.key} connect` : 'server';
  const sendProxy = c.sendProxy || (c.default && srv.sendProxy);
  if (sendProxy) throw new Unsupported(at, `${where}: checks sending the PROXY protocol header (send-proxy, check-send-proxy)`, '{ kind: ... } once the server answers checks without the PROXY header');
  if (c.socks4 || (c.default && srv.socks4)) throw new Unsupported(at, `${where}: checks through a SOCKS4 proxy (via-socks4, check-via-socks4)`, '{ kind: ..., host: the server }');
  // init_srv_check (check.c): the server's proto applies to checks of its mode only; check-proto always.
  const httpMode = (p: string) => p !== 'none';
  const srvProto = srv.proto !== undefined && (!srv.protoFromServer || httpMode(srv.proto) === http) ? srv.proto : undefined;
  const proto = c.proto ?? (c.default ? srvProto : undefined);
  if (proto !== undefined && proto !== (http ? 'h1' : 'none')) {
    throw new Unsupported(at, `${where}: checks spoken as ${proto} (proto/check-proto ${proto}); rsguard's HTTP checks speak HTTP/1.1`, http ? '{ kind: http } on an HTTP/1.1 port' : '{ kind: tcp }');
  }
  const tls = c.ssl || (c.default && srv.ssl);
  const alpn = c.alpn ?? (c.default ? srv.alpn : undefined);
  if (http && tls && alpn?.split(',').includes('h2')) throw new Unsupported(at, `${where}: alpn ${alpn} lets the server choose HTTP/2 for the check; rsguard's HTTP checks speak HTTP/1.1`, '{ kind: https } with alpn http/1.1');
  const sni = c.sni ?? (c.default ? srv.sni : undefined);
  return { tls, ...(sni ? { sni } : {}), ...(alpn ? { alpn } : {}), ...(c.port !== undefined ? { port: c.port } : {}), ...(c.addr ? { addr: c.addr } : {}) };
}

/**
 * The TLS fields of a check from the server line (ssl_sock_prepare_srv_ctx):
 * verify against ca-file only, the name checked is the SNI sent, else
 * verifyhost, else none (ssl_sock_srv_verifycbk), the client certificate.
 */
function tlsFields(srv: ServerCheck, sni: string | undefined, at: Directive): Check {
  const out: Check = {};
  if (srv.crt) out.tlsCert = srv.crt;
  out.tlsServerName = sni ?? false;
  if (!srv.verify) return { ...out, tlsVerify: false };
  if (!srv.caFile) throw new Refused(at, 'verify', "verify is required (HAProxy's default, or ssl-server-verify) but no ca-file is given: HAProxy refuses this server (add ca-file, or verify none)");
  if (srv.caFile !== '@system-ca') out.tlsCa = srv.caFile;
  if (srv.crlFile) out.tlsCrl = srv.crlFile;
  if (!sni) out.tlsVerifyHost = srv.verifyHost ?? false;
  return out;
}

interface Expect {
  not: boolean;
  kind: 'string' | 'rstring' | 'binary' | 'rbinary' | 'status' | 'rstatus';
  pattern: string;
}

/** `expect [options] [!] <match> <pattern> [options]` (parse_tcpcheck_expect, tcpcheck.c). */
function parseExpect(d: Directive, http: boolean): Expect {
  let not = false;
  let kind: Expect['kind'] | undefined;
  let pattern: string | undefined;
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
    if (k === 'min-recv') throw new Unsupported(d, `${d.key} expect min-recv ${v()} (judging a reply before it is complete)`, '{ steps: [...] } without min-recv');
    else if (k === 'ok-status' || k === 'error-status' || k === 'tout-status') {
      // L7OKC puts the server in NOLB (up, no new traffic): a third verdict rsguard's checks do not give.
      if (v() === 'L7OKC') throw new Unsupported(d, `${d.key} expect ${k} L7OKC (a server kept up but out of new traffic)`, 'the rule without L7OKC');
    } else if (k === 'comment' || k === 'on-success' || k === 'on-error' || k === 'status-code') v();
    else if (['string', 'rstring', 'binary', 'rbinary', 'status', 'rstatus'].includes(k)) {
      if (kind) throw new Refused(d, `${d.key} expect`, 'only one pattern expected');
      if (http ? k === 'binary' || k === 'rbinary' : k === 'status' || k === 'rstatus') throw new Refused(d, `${d.key} expect`, `"${k}" is not a ${d.key} expect match`);
      kind = k as Expect['kind'];
      pattern = v();
    } else if (k === 'string-lf' || k === 'binary-lf' || k === 'hdr' || k === 'fhdr') {
      throw new Unsupported(d, `${d.key} expect ${k} (${k.endsWith('lf') ? 'a log-format pattern' : 'a response header match'})`, http ? '{ kind: http, expectRules: [...] } on status and body' : '{ kind: tcp, steps: [...] }');
    } else throw new Refused(d, `${d.key} expect`, `unknown ${d.key} expect keyword "${k}"`);
  }
  if (!kind || pattern === undefined) throw new Refused(d, `${d.key} expect`, 'expects a match and a pattern');
  if (kind === 'binary' && !/^([0-9a-fA-F]{2})+$/.test(pattern)) throw new Refused(d, `${d.key} expect`, `binary ${pattern}: expected an even number of hex digits`);
  return { not, kind, pattern };
}

/** `status 200,201,300-310` as rsguard status items. */
function statusCodes(d: Directive, codes: string): Array<number | string> {
  return codes.split(',').map((c) => {
    if (!/^\d{3}(-\d{3})?$/.test(c)) throw new Refused(d, 'http-check expect', `status ${codes}: expected codes and ranges like 200,300-310`);
    return /^\d+$/.test(c) && Number(c) >= 100 && Number(c) <= 599 ? Number(c) : c;
  });
}

function httpRule(d: Directive, e: Expect): Check {
  const not = e.not ? { not: true } : {};
  if (e.kind === 'status') return { status: statusCodes(d, e.pattern), ...not };
  if (e.kind === 'rstatus') return { statusRegex: e.pattern, ...not };
  if (e.kind === 'string') return { body: e.pattern, ...not };
  return { bodyRegex: e.pattern, ...not };
}

interface Send {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The request line came from `option httpchk` (merged into the first explicit send, tcpcheck_add_http_rule). */
  fromOption: boolean;
  d?: Directive;
}

/**
 * `option httpchk [METH] [URI] [VERSION]`; the version may hide headers and a
 * body (`HTTP/1.1\r\nHost:\ www\r\n\r\nbody`, proxy_parse_httpchk_req).
 */
function httpchk(args: string[]): Send {
  const [a, b, c] = args;
  const method = args.length >= 2 ? a! : 'OPTIONS';
  const path = args.length >= 2 ? b! : (a ?? '/');
  const headers: Record<string, string> = {};
  const [head, ...body] = (c ?? '').split('\r\n\r\n');
  for (const h of head!.split(/\r?\n/).slice(1)) {
    const i = h.indexOf(':');
    if (i > 0) headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return { method: method.toUpperCase(), path, headers, ...(body.length ? { body: body.join('\r\n\r\n') } : {}), fromOption: true };
}

/** A log-format string (`%[...]`, `%H`) is evaluated per check; a plain one is taken as it is. */
function plain(d: Directive, what: string, value: string): string {
  if (/%(?!%)/.test(value)) throw new Unsupported(d, `${what} ${value} (a log-format string)`, 'the value it evaluates to');
  return value.replace(/%%/g, '%');
}

/** `http-check send` (parse_tcpcheck_send_http), merged over the option's request line (tcpcheck_overwrite_send_http_rule). */
function parseSend(d: Directive, base: Send | undefined): Send {
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
    else if (k === 'uri') out.path = v();
    else if (k === 'uri-lf') out.path = plain(d, 'http-check send uri-lf', v());
    else if (k === 'ver') v();
    else if (k === 'hdr') {
      const name = v();
      out.headers[name] = plain(d, `http-check send hdr ${name}`, v());
    } else if (k === 'body') out.body = v();
    else if (k === 'body-lf') out.body = plain(d, 'http-check send body-lf', v());
    else if (k === 'comment') v();
    else throw new Refused(d, 'http-check send', `unknown http-check send keyword "${k}"`);
  }
  return out;
}

type HttpRuleEntry = { t: 'connect'; c: Connect } | { t: 'send'; s: Send } | { t: 'expect'; e: Expect; d: Directive };

/** The http-check ruleset as HAProxy assembles it (tcpcheck_add_http_rule, check_proxy_tcpcheck). */
function httpRuleset(o: CheckOptions, warnings: string[]): HttpRuleEntry[] {
  const rules: HttpRuleEntry[] = [{ t: 'send', s: httpchk(o.option!.args) }];
  const fromOption = () => (rules[0]?.t === 'send' && rules[0].s.fromOption ? rules[0].s : undefined);
  for (const d of o.httpCheck) {
    const sub = d.args[0] ?? '';
    if (sub === 'comment') continue;
    if (sub === 'disable-on-404' || sub === 'send-state') {
      warnings.push(`${d.file}:${d.line}: http-check ${sub} accepted but not acted on${sub === 'disable-on-404' ? ': a 404 is a failed check in rsguard, not a server kept up out of new traffic' : ''}`);
      continue;
    }
    if (/^(set-var|set-var-fmt|unset-var)\(/.test(sub)) throw new Unsupported(d, `http-check ${sub} (check variables)`, '{ kind: http, ... } with the values written out');
    let r: HttpRuleEntry;
    if (sub === 'connect') r = { t: 'connect', c: parseConnect(d) };
    else if (sub === 'send') r = { t: 'send', s: parseSend(d, undefined) };
    else if (sub === 'expect') r = { t: 'expect', e: parseExpect(d, true), d };
    else throw new Refused(d, 'http-check', `unknown http-check keyword "${sub}"`);
    const last = rules[rules.length - 1];
    const lastFromOption = last?.t === 'send' && last.s.fromOption;
    if (last && !lastFromOption) {
      if (last.t !== 'connect' && r.t === 'send') throw new Refused(d, 'http-check send', 'unable to add http-check send rule (missing connect rule): HAProxy refuses it');
      if (last.t !== 'send' && last.t !== 'expect' && r.t === 'expect') throw new Refused(d, 'http-check expect', 'unable to add http-check expect rule (missing send rule): HAProxy refuses it');
      if (last.t !== 'expect' && r.t === 'connect') throw new Refused(d, 'http-check connect', 'unable to add http-check connect rule (missing expect rule): HAProxy refuses it');
    }
    const opt = fromOption();
    if (r.t === 'send' && opt) {
      rules.shift();
      r = { t: 'send', s: parseSend(d, opt) };
    }
    rules.push(r);
  }
  // The option's request line goes after a first connect rule.
  if (fromOption() && rules[1]?.t === 'connect') rules.splice(0, 2, rules[1], rules[0]!);
  return rules;
}

function httpBlocks(o: CheckOptions, srv: ServerCheck, at: Directive, warnings: string[]): Check[] {
  const rules = httpRuleset(o, warnings);
  if (rules[0]?.t !== 'connect') rules.unshift({ t: 'connect', c: { default: true, ssl: false, sendProxy: false, socks4: false } });
  const checks: Check[] = [];
  for (let i = 0; i < rules.length; ) {
    const c = (rules[i++] as { c: Connect }).c;
    const send = rules[i]?.t === 'send' ? (rules[i++] as { s: Send }).s : undefined;
    const expects: Array<{ e: Expect; d: Directive }> = [];
    while (rules[i]?.t === 'expect') expects.push(rules[i++] as { e: Expect; d: Directive });
    const conn = resolveConnect(c, srv, true);
    const where = { ...(conn.port !== undefined ? { port: conn.port } : {}), ...(conn.addr ? { host: conn.addr } : {}) };
    const tls = conn.tls ? tlsFields(srv, conn.sni, c.d ?? at) : {};
    if (!send) {
      // A connect with nothing after it passes once connected (L4OK, or L6OK over TLS).
      checks.push(conn.tls ? { kind: 'tcp', steps: [{ step: 'connect', tls: true, ...(conn.alpn ? { alpn: conn.alpn.split(',') } : {}) }], ...tls, ...where } : { kind: 'tcp', ...where });
      continue;
    }
    if (!METHODS.has(send.method)) throw new Unsupported(send.d ?? { file: at.file, line: o.option!.line }, `method ${send.method}`, '{ kind: http, method: GET|HEAD|POST|OPTIONS }');
    const out: Check = { kind: conn.tls ? 'https' : 'http', method: send.method, path: send.path.startsWith('/') ? send.path : `/${send.path}` };
    const host = Object.entries(send.headers).find(([k]) => k.toLowerCase() === 'host')?.[1];
    const others = Object.fromEntries(Object.entries(send.headers).filter(([k]) => k.toLowerCase() !== 'host' && k));
    if (host) out.virtualHost = host;
    if (Object.keys(others).length) out.headers = others;
    if (send.body !== undefined) out.body = send.body;
    // The implicit last rule (check_proxy_tcpcheck) counts 2xx and 3xx as up.
    if (!expects.length) out.expectStatus = ['200-399'];
    else if (expects.length === 1 && expects[0]!.e.kind === 'status' && !expects[0]!.e.not) out.expectStatus = statusCodes(expects[0]!.d, expects[0]!.e.pattern);
    else {
      out.expectStatus = ANY_STATUS;
      out.expectRules = expects.map(({ e, d }) => httpRule(d, e));
      if (expects.some(({ e }) => e.kind === 'string' || e.kind === 'rstring')) out.maxBodyBytes = BUFSIZE;
    }
    checks.push({ ...out, ...tls, ...where });
  }
  if (checks.length > 1) warnings.push(`${at.file}:${at.line}: the http-check sequence of ${checks.length} connections is ${checks.length} checks here, all of which must pass (fall and rise count each one)`);
  return checks;
}

type Step = Record<string, unknown>;

/** The tcp-check ruleset as steps of the tcp probe (proxy_parse_tcpcheck, check_proxy_tcpcheck). */
function tcpSteps(o: CheckOptions, srv: ServerCheck, at: Directive): Check {
  const steps: Step[] = [];
  let tls: Check | undefined;
  const connect = (c: Connect) => {
    const r = resolveConnect(c, srv, false);
    if (r.tls) tls ??= tlsFields(srv, r.sni, c.d ?? at);
    steps.push({ step: 'connect', ...(r.port !== undefined ? { port: r.port } : {}), ...(r.addr ? { host: r.addr } : {}), ...(r.tls ? { tls: true, tlsServerName: r.sni ?? false } : {}), ...(r.alpn && r.tls ? { alpn: r.alpn.split(',') } : {}) });
  };
  const rules = o.tcpCheck.filter((d) => d.args[0] !== 'comment');
  if (rules[0]?.args[0] !== 'connect') connect({ default: true, ssl: false, sendProxy: false, socks4: false });
  for (const d of rules) {
    const sub = d.args[0] ?? '';
    const arg = d.args[1];
    if (/^(set-var|set-var-fmt|unset-var)\(/.test(sub)) throw new Unsupported(d, `tcp-check ${sub} (check variables)`, '{ kind: tcp, steps: [...] } with the values written out');
    if (sub === 'connect') connect(parseConnect(d));
    else if (sub === 'send' || sub === 'send-lf') {
      if (arg === undefined) throw new Refused(d, `tcp-check ${sub}`, `"${sub}" expects a string`);
      steps.push({ step: 'send', data: sub === 'send' ? arg : plain(d, 'tcp-check send-lf', arg) });
    } else if (sub === 'send-binary' || sub === 'send-binary-lf') {
      const hex = arg === undefined ? '' : sub === 'send-binary' ? arg : plain(d, 'tcp-check send-binary-lf', arg);
      if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new Refused(d, `tcp-check ${sub}`, `expected an even number of hex digits, got ${JSON.stringify(arg ?? '')}`);
      steps.push({ step: 'send', hex });
    } else if (sub === 'expect') {
      const e = parseExpect(d, false);
      const key = { string: 'string', rstring: 'regex', binary: 'hex', rbinary: 'hexRegex' }[e.kind as 'string'];
      steps.push({ step: 'expect', [key]: e.pattern, ...(e.not ? { not: true } : {}) });
    } else throw new Refused(d, 'tcp-check', `unknown tcp-check keyword "${sub}"`);
  }
  // The common shapes read as the plain tcp check: connect, then a send and/or one expect.
  const [c0, ...rest] = steps;
  const simple = Object.keys(c0!).length === 1 && rest.length <= 2 && rest.every((s, i) => (s.step === 'send' && s.data !== undefined && i === 0) || (s.step === 'expect' && !s.not && (s.string !== undefined || s.regex !== undefined) && i === rest.length - 1));
  if (simple) {
    const send = rest.find((s) => s.step === 'send');
    const expect = rest.find((s) => s.step === 'expect');
    return { kind: 'tcp', ...(send ? { send: send.data } : {}), ...(expect?.string !== undefined ? { expect: expect.string } : {}), ...(expect?.regex !== undefined ? { expectRegex: expect.regex } : {}) };
  }
  return { kind: 'tcp', steps, maxBytes: BUFSIZE, ...tls };
}

/**
 * One server's checks under its proxy's check options, as HAProxy runs them
 * (configuration.txt 4 "option httpchk", "http-check", "tcp-check"): with no
 * option a connect (TLS with ssl/check-ssl); `option httpchk` counts 2xx and
 * 3xx as up. An http-check sequence over several connections gives one check
 * per connection. What rsguard cannot do is an `unsupported` marker; what
 * HAProxy refuses is an error.
 */
export function haproxyChecks(o: CheckOptions, srv: ServerCheck, at: Directive, errors: ConfigIssue[], warnings: string[]): Check[] {
  try {
    return checksFor(o, srv, at, warnings);
  } catch (err) {
    if (err instanceof Unsupported) return [unsupportedPart(errors, { file: err.d.file || at.file, line: err.d.line || at.line, path: 'check' }, `${err.what} is not something rsguard can check the same way`, err.replaceWith)];
    if (err instanceof Refused) {
      errors.push({ file: err.d.file, line: err.d.line, path: err.path, message: err.message });
      return [];
    }
    throw err;
  }
}

/** HAProxy's SSLv3 CLIENT HELLO of option ssl-hello-chk (proxy_parse_ssl_hello_chk_opt), with the time field zero. */
const SSLV3_CLIENT_HELLO = [
  '16', '0300', '0079', // handshake record, SSLv3, 0x79 bytes
  '01', '000075', '0300', // CLIENT HELLO, 0x75 bytes, v3
  '00000000', // Unix GMT time (HAProxy's clock; no server looks at it)
  Buffer.from('HAPROXYSSLCHK\nHAPROXYSSLCHK\n').toString('hex'), // random, 28 bytes
  '00', '004E', // no session ID; 78 bytes of cipher suites
  '0001000200030004000500060007000800090' + '00A000B000C000D000E000F0010001100120013001400150016001700180019001A001B002F0030003100320033003400350036003700380039003A',
  '01', '00', // one compression type: none
].join('');

/** The ruleset an option stands for, as tcp-check lines (the options are tcp-check rulesets in HAProxy 2.x). */
function ruleset(at: Directive, line: number, rules: string[][]): Directive[] {
  return rules.map((args) => ({ key: 'tcp-check', args, file: at.file, line }));
}

function checksFor(o: CheckOptions, srv: ServerCheck, at: Directive, warnings: string[]): Check[] {
  const opt = o.option;
  const plainConnect = (): Check[] => [tcpSteps({ ...o, tcpCheck: [] }, srv, at)];
  /** The protocol probes connect as the server line says: PROXY header, SOCKS4 or TLS are not theirs. */
  const protocolProbe = (check: Check): Check[] => {
    const conn = resolveConnect({ default: true, ssl: false, sendProxy: false, socks4: false }, srv, false);
    if (conn.tls) throw new Unsupported({ file: at.file, line: opt!.line }, `option ${opt!.name} over TLS (ssl/check-ssl on the server)`, `{ kind: ${String(check.kind)}, tls: true }`);
    return [check];
  };
  switch (opt?.name) {
    case undefined:
      return plainConnect();
    case 'httpchk':
      return httpBlocks(o, srv, at, warnings);
    case 'tcp-check':
      return [tcpSteps(o, srv, at)];
    case 'smtpchk':
      return protocolProbe({ kind: 'smtp', greeting: opt.args[0]?.toUpperCase() === 'HELO' ? 'HELO' : 'EHLO', helo: opt.args[1] ?? 'localhost' });
    case 'redis-check':
      // proxy_parse_redis_check_opt: send PING, expect +PONG.
      return [tcpSteps({ ...o, tcpCheck: ruleset(at, opt.line, [['send', 'PING\r\n'], ['expect', 'string', '+PONG']]) }, srv, at)];
    case 'ssl-hello-chk':
      // The SSLv3 hello, then the first byte of the reply is a handshake (0x16) or an alert (0x15).
      return [tcpSteps({ ...o, tcpCheck: ruleset(at, opt.line, [['send-binary', SSLV3_CLIENT_HELLO], ['expect', 'rbinary', '^1[56]']]) }, srv, at)];
    case 'ldap-check':
      return protocolProbe({ kind: 'ldap' });
    case 'pgsql-check':
    case 'mysql-check': {
      const user = opt.args[0] === 'user' ? opt.args[1] : undefined;
      if (!user) {
        warnings.push(`${at.file}:${opt.line}: option ${opt.name} without a user: HAProxy reads the greeting, rsguard checks the TCP connect`);
        return plainConnect();
      }
      return protocolProbe({ kind: opt.name === 'mysql-check' ? 'mysql' : 'pgsql', user });
    }
    default:
      throw new Unsupported({ file: at.file, line: opt!.line }, `option ${opt!.name}`, '{ kind: tcp }');
  }
}
