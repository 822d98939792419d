import { httpchk, parseConnect, parseExpect, parseSend, Refused, statusCodes, Unsupported, type Connect, type Expect, type Send } from './haproxy-check-parse.js';
import { resolveConnect, tlsFields, type ServerCheck } from './haproxy-check-connect.js';
import { applyVarRule, VAR_RULE } from './haproxy-check-vars.js';
import { evalLogFormat, staticLogFormat, textOf } from './haproxy-log-format.js';
import { CheckVars } from './haproxy-sample.js';
import type { Directive } from './imported.js';
import type { TemplatePart } from '../../probes/http-header-rule.js';

export interface CheckOptions {
  /** The proxy's check option (`option httpchk ...`, `option tcp-check`, `option smtpchk`...), if any. */
  option?: { name: string; args: string[]; line: number };
  httpCheck: Directive[];
  tcpCheck: Directive[];
  /** The proxy's name (`be_name` in the rules' samples). */
  proxy?: string;
}


type Check = Record<string, unknown>;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);
/** Any status: the expect rules decide (HAProxy checks no status when an explicit rule does not). */
const ANY_STATUS = ['000-999'];
/** tune.bufsize: what HAProxy reads of a reply before it judges it as it is. */
const BUFSIZE = 16384;

/** A log-format pattern as the probe takes it: text when it is known at load, else a template read from the response. */
function pattern(fmt: string, scope: CheckVars, d: Directive, what: string): string | TemplatePart[] {
  const parts = evalLogFormat(fmt, scope, d, what);
  const text = textOf(parts);
  if (text === '') throw new Unsupported(d, `${what} ${JSON.stringify(fmt)}: it evaluates to an empty string, which fails every check in HAProxy`, 'the rule with a pattern');
  return text ?? parts;
}

/** One expect rule as an rsguard expect rule, its log-format patterns evaluated where the rule stands. */
function httpRule(d: Directive, e: Expect, scope: CheckVars): Check {
  const not = e.not ? { not: true } : {};
  if (e.kind === 'status') return { status: statusCodes(d, e.pattern), ...not };
  if (e.kind === 'rstatus') return { statusRegex: e.pattern, ...not };
  if (e.kind === 'string') return { body: e.pattern, ...not };
  if (e.kind === 'string-lf') return { body: pattern(e.pattern, scope, d, 'http-check expect string-lf'), ...not };
  if (e.kind === 'hdr') {
    const h = e.hdr!;
    const kw = h.full ? 'fhdr' : 'hdr';
    return {
      header: {
        name: h.nameLf ? pattern(h.name, scope, d, `http-check expect ${kw} name-lf`) : h.name,
        ...(h.nameMatch !== 'str' ? { nameMatch: h.nameMatch } : {}),
        ...(h.value !== undefined ? { value: h.valueLf ? pattern(h.value, scope, d, `http-check expect ${kw} value-lf`) : h.value } : {}),
        ...(h.value !== undefined && h.valueMatch !== 'str' ? { valueMatch: h.valueMatch } : {}),
        ...(h.full ? { full: true } : {}),
      },
      ...not,
    };
  }
  return { bodyRegex: e.pattern, ...not };
}

type HttpRuleEntry = { t: 'connect'; c: Connect } | { t: 'send'; s: Send } | { t: 'expect'; e: Expect; d: Directive } | { t: 'var'; d: Directive };

/** The http-check ruleset as HAProxy assembles it (tcpcheck_add_http_rule, check_proxy_tcpcheck). */
function httpRuleset(o: CheckOptions, warnings: string[]): HttpRuleEntry[] {
  const rules: HttpRuleEntry[] = [{ t: 'send', s: httpchk(o.option!.args) }];
  // get_first_tcpcheck_rule / get_last_tcpcheck_rule: variable rules do not count.
  const first = () => rules.findIndex((r) => r.t !== 'var');
  const fromOption = () => {
    const r = rules[first()];
    return r?.t === 'send' && r.s.fromOption ? r.s : undefined;
  };
  for (const d of o.httpCheck) {
    const sub = d.args[0] ?? '';
    if (sub === 'comment') continue;
    if (sub === 'disable-on-404' || sub === 'send-state') {
      warnings.push(`${d.file}:${d.line}: http-check ${sub} accepted but not acted on${sub === 'disable-on-404' ? ': a 404 is a failed check in rsguard, not a server kept up out of new traffic' : ''}`);
      continue;
    }
    if (VAR_RULE.test(sub)) {
      rules.push({ t: 'var', d });
      continue;
    }
    let r: HttpRuleEntry;
    if (sub === 'connect') r = { t: 'connect', c: parseConnect(d) };
    else if (sub === 'send') r = { t: 'send', s: parseSend(d, undefined) };
    else if (sub === 'expect') r = { t: 'expect', e: parseExpect(d, true), d };
    else throw new Refused(d, 'http-check', `unknown http-check keyword "${sub}"`);
    const last = rules.filter((x) => x.t !== 'var').pop();
    const lastFromOption = last?.t === 'send' && last.s.fromOption;
    if (last && !lastFromOption) {
      if (last.t !== 'connect' && r.t === 'send') throw new Refused(d, 'http-check send', 'unable to add http-check send rule (missing connect rule): HAProxy refuses it');
      if (last.t !== 'send' && last.t !== 'expect' && r.t === 'expect') throw new Refused(d, 'http-check expect', 'unable to add http-check expect rule (missing send rule): HAProxy refuses it');
      if (last.t !== 'expect' && r.t === 'connect') throw new Refused(d, 'http-check connect', 'unable to add http-check connect rule (missing expect rule): HAProxy refuses it');
    }
    const opt = fromOption();
    if (r.t === 'send' && opt) {
      rules.splice(first(), 1);
      r = { t: 'send', s: parseSend(d, opt) };
    }
    rules.push(r);
  }
  // check_proxy_tcpcheck: the option's request line, still first, goes after the connect rule that follows it.
  const i = first();
  const next = rules.findIndex((x, j) => j > i && x.t !== 'var');
  if (fromOption() && rules[next]?.t === 'connect') rules.splice(next, 0, rules.splice(i, 1)[0]!);
  return rules;
}

/** The request of a send rule, its log-format parts evaluated where it stands (tcpcheck_eval_send): an empty uri is /, an empty header is left out. */
function request(send: Send, scope: CheckVars, d: { file: string; line: number }): { path: string; headers: Record<string, string>; body?: string } {
  const path = send.pathLf ? staticLogFormat(send.path, scope, d, 'http-check send uri-lf') || '/' : send.path;
  const headers: Record<string, string> = {};
  for (const [name, fmt] of Object.entries(send.headers)) {
    const value = staticLogFormat(fmt, scope, d, `http-check send hdr ${name}`);
    if (value) headers[name] = value;
  }
  const body = send.body === undefined ? undefined : send.bodyLf ? staticLogFormat(send.body, scope, d, 'http-check send body-lf') : send.body;
  return { path, headers, ...(body !== undefined ? { body } : {}) };
}

interface Block {
  c: Connect;
  send?: { s: Send; req: ReturnType<typeof request> };
  expects: Array<{ e: Expect; d: Directive; rule: Check }>;
}

/** The ruleset in order, as tcpcheck_main runs it: variables set where they stand, each connect opening a block. */
function blocksOf(rules: HttpRuleEntry[], o: CheckOptions, at: Directive): Block[] {
  const scope = new CheckVars(true, o.proxy ?? '', at.args[0] ?? '');
  const blocks: Block[] = [];
  for (const r of rules) {
    const cur = blocks[blocks.length - 1];
    if (r.t === 'var') applyVarRule(r.d, scope);
    else if (r.t === 'connect') {
      scope.released();
      blocks.push({ c: r.c, expects: [] });
    } else if (r.t === 'send') {
      scope.released();
      cur!.send = { s: r.s, req: request(r.s, scope, r.s.d ?? { file: at.file, line: o.option!.line }) };
    } else {
      scope.read();
      cur!.expects.push({ e: r.e, d: r.d, rule: httpRule(r.d, r.e, scope) });
    }
  }
  return blocks;
}

export function httpBlocks(o: CheckOptions, srv: ServerCheck, at: Directive, warnings: string[]): Check[] {
  const rules = httpRuleset(o, warnings);
  // check_proxy_tcpcheck: an implicit connect goes first when no connect comes before every send and expect.
  if (rules.find((r) => r.t !== 'var')?.t !== 'connect') rules.unshift({ t: 'connect', c: { default: true, ssl: false, sendProxy: false, socks4: false } });
  const checks: Check[] = [];
  for (const { c, send, expects } of blocksOf(rules, o, at)) {
    const conn = resolveConnect(c, srv, true);
    const where = { ...(conn.port !== undefined ? { port: conn.port } : {}), ...(conn.addr ? { host: conn.addr } : {}), ...(conn.socks4 ? { socks4: conn.socks4 } : {}) };
    const tls = conn.tls ? tlsFields(srv, conn.sni, c.d ?? at) : {};
    if (!send) {
      // A connect with nothing after it passes once connected (L4OK, or L6OK over TLS).
      checks.push(conn.tls ? { kind: 'tcp', steps: [{ step: 'connect', tls: true, ...(conn.alpn ? { alpn: conn.alpn.split(',') } : {}) }], ...tls, ...where } : { kind: 'tcp', ...where });
      continue;
    }
    const { s, req } = send;
    if (!METHODS.has(s.method)) throw new Unsupported(s.d ?? { file: at.file, line: o.option!.line }, `method ${s.method}`, '{ kind: http, method: GET|HEAD|POST|OPTIONS }');
    const out: Check = { kind: conn.tls ? 'https' : 'http', expectStatus: undefined, method: s.method, path: req.path.startsWith('/') ? req.path : `/${req.path}`, ...(conn.h2 ? { version: 2 } : {}) };
    const host = Object.entries(req.headers).find(([k]) => k.toLowerCase() === 'host')?.[1];
    const others = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.toLowerCase() !== 'host' && k));
    // HAProxy sends no Host unless one is written (a bare HTTP/1.1 request line then gets 400 from most servers, and the server is down in HAProxy too).
    out.virtualHost = host || false;
    if (!conn.h2) {
      const version = s.version ?? 'HTTP/1.0';
      if (version === 'HTTP/1.0') out.version = 1;
      else if (version !== 'HTTP/1.1') throw new Unsupported(s.d ?? { file: at.file, line: o.option!.line }, `request version ${version} over HTTP/1 (rsguard's HTTP/1 checks say HTTP/1.0 or HTTP/1.1)`, '{ kind: http, version: 1.1 }');
    }
    if (Object.keys(others).length) out.headers = others;
    if (req.body !== undefined) out.body = req.body;
    // The implicit last rule (check_proxy_tcpcheck) counts 2xx and 3xx as up.
    if (!expects.length) out.expectStatus = ['200-399'];
    else if (expects.length === 1 && expects[0]!.e.kind === 'status' && !expects[0]!.e.not) out.expectStatus = statusCodes(expects[0]!.d, expects[0]!.e.pattern);
    else {
      out.expectStatus = ANY_STATUS;
      out.expectRules = expects.map((x) => x.rule);
      if (expects.some(({ e }) => e.kind === 'string' || e.kind === 'rstring' || e.kind === 'string-lf')) out.maxBodyBytes = BUFSIZE;
    }
    checks.push({ ...out, ...tls, ...where });
  }
  if (checks.length > 1) warnings.push(`${at.file}:${at.line}: the http-check sequence of ${checks.length} connections is ${checks.length} checks here, all of which must pass (fall and rise count each one)`);
  return checks;
}
