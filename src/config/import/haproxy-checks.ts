import type { ConfigIssue } from '../errors.js';
import { parseConnect, parseExpect, Refused, Unsupported, type Connect } from './haproxy-check-parse.js';
import { applyVarRule, VAR_RULE } from './haproxy-check-vars.js';
import { staticLogFormat } from './haproxy-log-format.js';
import { CheckVars } from './haproxy-sample.js';
import { resolveConnect, tlsFields, type ServerCheck } from './haproxy-check-connect.js';
import { httpBlocks, type CheckOptions } from './haproxy-http-check.js';
import { unsupportedPart, type Directive } from './imported.js';

export type { ServerCheck } from './haproxy-check-connect.js';
export type { CheckOptions } from './haproxy-http-check.js';


type Check = Record<string, unknown>;
/** tune.bufsize: what HAProxy reads of a reply before it judges it as it is. */
const BUFSIZE = 16384;

type Step = Record<string, unknown>;

/** The tcp-check ruleset as steps of the tcp probe (proxy_parse_tcpcheck, check_proxy_tcpcheck). */
function tcpSteps(o: CheckOptions, srv: ServerCheck, at: Directive): Check {
  const steps: Step[] = [];
  let tls: Check | undefined;
  let socks4: { address: string; userId: string } | undefined;
  // rsguard takes a SOCKS4 proxy per check, not per connect rule: every rule of the sequence must agree.
  const proxies = new Set<string | undefined>();
  const connect = (c: Connect) => {
    const r = resolveConnect(c, srv, false);
    proxies.add(r.socks4?.address);
    if (proxies.size > 1) throw new Unsupported(c.d ?? at, 'tcp-check connect rules of one sequence, some through the SOCKS4 proxy (via-socks4) and some not', '{ kind: tcp, socks4: ..., steps: [...] } as two checks');
    if (r.socks4) socks4 = r.socks4;
    if (r.tls) tls ??= tlsFields(srv, r.sni, c.d ?? at);
    steps.push({ step: 'connect', ...(r.port !== undefined ? { port: r.port } : {}), ...(r.addr ? { host: r.addr } : {}), ...(r.tls ? { tls: true, tlsServerName: r.sni ?? false } : {}), ...(r.alpn && r.tls ? { alpn: r.alpn.split(',') } : {}) });
  };
  const rules = o.tcpCheck.filter((d) => d.args[0] !== 'comment');
  // check_proxy_tcpcheck: variable rules do not count as the first rule.
  if (rules.find((d) => !VAR_RULE.test(d.args[0] ?? ''))?.args[0] !== 'connect') connect({ default: true, ssl: false, sendProxy: false, socks4: false });
  const scope = new CheckVars(false, o.proxy ?? '', at.args[0] ?? '');
  for (const d of rules) {
    const sub = d.args[0] ?? '';
    const arg = d.args[1];
    if (VAR_RULE.test(sub)) applyVarRule(d, scope);
    else if (sub === 'connect') connect(parseConnect(d));
    else if (sub === 'send' || sub === 'send-lf') {
      if (arg === undefined) throw new Refused(d, `tcp-check ${sub}`, `"${sub}" expects a string`);
      // tcpcheck_eval_send: a send-lf that comes out empty sends nothing (what was read is dropped all the same).
      steps.push({ step: 'send', data: sub === 'send' ? arg : staticLogFormat(arg, scope, d, 'tcp-check send-lf') });
    } else if (sub === 'send-binary' || sub === 'send-binary-lf') {
      const hex = arg === undefined ? '' : sub === 'send-binary' ? arg : staticLogFormat(arg, scope, d, 'tcp-check send-binary-lf');
      if (sub === 'send-binary-lf' && hex === '') steps.push({ step: 'send', data: '' });
      else if (!/^([0-9a-fA-F]{2})+$/.test(hex)) {
        if (sub === 'send-binary') throw new Refused(d, `tcp-check ${sub}`, `expected an even number of hex digits, got ${JSON.stringify(arg ?? '')}`);
        throw new Unsupported(d, `tcp-check send-binary-lf ${JSON.stringify(arg)}: it evaluates to ${JSON.stringify(hex)}, not hex digits, which fails every check in HAProxy`, 'the rule with hex digits');
      } else steps.push({ step: 'send', hex });
    } else if (sub === 'expect') {
      const e = parseExpect(d, false);
      scope.read();
      let kind = e.kind;
      let text = e.pattern;
      if (kind === 'string-lf' || kind === 'binary-lf') {
        text = staticLogFormat(e.pattern, scope, d, `tcp-check expect ${kind}`);
        const hex = kind === 'binary-lf';
        if (text === '' || (hex && !/^([0-9a-fA-F]{2})+$/.test(text))) {
          throw new Unsupported(d, `tcp-check expect ${kind} ${JSON.stringify(e.pattern)}: it evaluates to ${JSON.stringify(text)}${text ? ', not hex digits' : ''}, which fails every check in HAProxy`, 'the rule with a pattern');
        }
        kind = hex ? 'binary' : 'string';
      }
      const key = { string: 'string', rstring: 'regex', binary: 'hex', rbinary: 'hexRegex' }[kind as 'string'];
      steps.push({ step: 'expect', [key]: text, ...(e.not ? { not: true } : {}), ...(e.minRecv !== undefined ? { minRecv: e.minRecv } : {}) });
    } else throw new Refused(d, 'tcp-check', `unknown tcp-check keyword "${sub}"`);
    if (sub === 'connect' || sub.startsWith('send')) scope.released();
  }
  // The common shapes read as the plain tcp check: connect, then a send and/or one expect.
  const via = socks4 ? { socks4 } : {};
  const [c0, ...rest] = steps;
  const simple = Object.keys(c0!).length === 1 && rest.length <= 2 && rest.every((s, i) => (s.step === 'send' && s.data !== undefined && i === 0) || (s.step === 'expect' && !s.not && s.minRecv === undefined && (s.string !== undefined || s.regex !== undefined) && i === rest.length - 1));
  if (simple) {
    const send = rest.find((s) => s.step === 'send');
    const expect = rest.find((s) => s.step === 'expect');
    return { kind: 'tcp', ...(send ? { send: send.data } : {}), ...(expect?.string !== undefined ? { expect: expect.string } : {}), ...(expect?.regex !== undefined ? { expectRegex: expect.regex } : {}), ...via };
  }
  return { kind: 'tcp', steps, maxBytes: BUFSIZE, ...tls, ...via };
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
  /** The protocol probes connect as the server line says: PROXY header, TLS and SOCKS4 are not theirs. */
  const protocolProbe = (check: Check): Check[] => {
    const conn = resolveConnect({ default: true, ssl: false, sendProxy: false, socks4: false }, srv, false);
    if (conn.tls) throw new Unsupported({ file: at.file, line: opt!.line }, `option ${opt!.name} over TLS (ssl/check-ssl on the server)`, `{ kind: ${String(check.kind)}, tls: true }`);
    if (conn.socks4) throw new Unsupported({ file: at.file, line: opt!.line }, `option ${opt!.name} through a SOCKS4 proxy (check-via-socks4): rsguard's ${String(check.kind)} check connects directly`, '{ kind: tcp, socks4: ... }');
    return [check];
  };
  switch (opt?.name) {
    case undefined:
      return plainConnect();
    case 'httpchk':
      return httpBlocks(o, srv, at, warnings);
    case 'tcp-check':
      return [tcpSteps(o, srv, at)];
    case 'smtpchk': {
      // proxy_parse_smtpchk_opt: HAProxy's own ruleset (a 2xx greeting on one line, HELO, a 2xx answer; no QUIT),
      // on the server's connection as configured, TLS from the first byte with check-ssl.
      const [verb, domain] = opt.args;
      const hello = (verb === 'EHLO' || verb === 'HELO') && domain ? `${verb} ${domain}` : 'HELO localhost';
      const rules = [['expect', 'rstring', '^[0-9]{3}[ \r]', 'min-recv', '4'], ['expect', 'rstring', '^2[0-9]{2}[ \r]', 'min-recv', '4'], ['send', `${hello}\r\n`], ['expect', 'rstring', '^2[0-9]{2}[- \r]', 'min-recv', '4']];
      return [tcpSteps({ ...o, tcpCheck: ruleset(at, opt.line, rules) }, srv, at)];
    }
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
