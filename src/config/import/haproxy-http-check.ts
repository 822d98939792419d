import { httpchk, parseConnect, parseExpect, parseSend, Refused, statusCodes, Unsupported, type Connect, type Expect, type Send } from './haproxy-check-parse.js';
import { resolveConnect, tlsFields, type ServerCheck } from './haproxy-check-connect.js';
import type { CheckOptions } from './haproxy-checks.js';
import type { Directive } from './imported.js';

type Check = Record<string, unknown>;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);
/** Any status: the expect rules decide (HAProxy checks no status when an explicit rule does not). */
const ANY_STATUS = ['000-999'];
/** tune.bufsize: what HAProxy reads of a reply before it judges it as it is. */
const BUFSIZE = 16384;

function httpRule(d: Directive, e: Expect): Check {
  const not = e.not ? { not: true } : {};
  if (e.kind === 'status') return { status: statusCodes(d, e.pattern), ...not };
  if (e.kind === 'rstatus') return { statusRegex: e.pattern, ...not };
  if (e.kind === 'string') return { body: e.pattern, ...not };
  return { bodyRegex: e.pattern, ...not };
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

export function httpBlocks(o: CheckOptions, srv: ServerCheck, at: Directive, warnings: string[]): Check[] {
  const rules = httpRuleset(o, warnings);
  if (rules[0]?.t !== 'connect') rules.unshift({ t: 'connect', c: { default: true, ssl: false, sendProxy: false, socks4: false } });
  const checks: Check[] = [];
  for (let i = 0; i < rules.length; ) {
    const c = (rules[i++] as { c: Connect }).c;
    const send = rules[i]?.t === 'send' ? (rules[i++] as { s: Send }).s : undefined;
    const expects: Array<{ e: Expect; d: Directive }> = [];
    while (rules[i]?.t === 'expect') expects.push(rules[i++] as { e: Expect; d: Directive });
    const conn = resolveConnect(c, srv, true);
    const where = { ...(conn.port !== undefined ? { port: conn.port } : {}), ...(conn.addr ? { host: conn.addr } : {}), ...(conn.socks4 ? { socks4: conn.socks4 } : {}) };
    const tls = conn.tls ? tlsFields(srv, conn.sni, c.d ?? at) : {};
    if (!send) {
      // A connect with nothing after it passes once connected (L4OK, or L6OK over TLS).
      checks.push(conn.tls ? { kind: 'tcp', steps: [{ step: 'connect', tls: true, ...(conn.alpn ? { alpn: conn.alpn.split(',') } : {}) }], ...tls, ...where } : { kind: 'tcp', ...where });
      continue;
    }
    if (!METHODS.has(send.method)) throw new Unsupported(send.d ?? { file: at.file, line: o.option!.line }, `method ${send.method}`, '{ kind: http, method: GET|HEAD|POST|OPTIONS }');
    const out: Check = { kind: conn.tls ? 'https' : 'http', expectStatus: undefined, method: send.method, path: send.path.startsWith('/') ? send.path : `/${send.path}` };
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

