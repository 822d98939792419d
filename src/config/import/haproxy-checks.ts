import type { ConfigIssue } from '../errors.js';
import { unsupportedPart, type Directive } from './imported.js';

export interface CheckOptions {
  /** The proxy's check option (`option httpchk ...`, `option tcp-check`, `option smtpchk`...), if any. */
  option?: { name: string; args: string[]; line: number };
  httpCheck: Directive[];
  tcpCheck: Directive[];
}

type Check = Record<string, unknown>;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);

function unsupported(d: { file: string; line: number }, what: string, replaceWith: string, errors: ConfigIssue[]): Check {
  return unsupportedPart(errors, { file: d.file, line: d.line, path: 'check' }, `${what} is not something rsguard can check the same way`, replaceWith);
}

/** `option httpchk [METH] [URI] [VERSION]`; the version may carry headers (`HTTP/1.1\r\nHost:\ www`). */
function httpchk(args: string[]): { method: string; path: string; headers: Record<string, string> } {
  const [a, b, c] = args;
  const method = args.length >= 2 ? a! : 'OPTIONS';
  const path = args.length >= 2 ? b! : (a ?? '/');
  const headers: Record<string, string> = {};
  for (const h of (c ?? '').split(/\r?\n/).slice(1)) {
    const i = h.indexOf(':');
    if (i > 0) headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return { method: method.toUpperCase(), path, headers };
}

function httpExpect(d: Directive, out: Check, errors: ConfigIssue[]): Check | undefined {
  const negate = d.args[1] === '!';
  const [what, value] = negate ? d.args.slice(2) : d.args.slice(1);
  if (value === undefined) return unsupported(d, `http-check expect ${d.args.slice(1).join(' ')}`, '{ kind: http, ... }', errors);
  if (what === 'status' && !negate) out.expectStatus = value.split(',').map((v) => (/^\d+$/.test(v) ? Number(v) : v));
  else if (what === 'rstatus' && !negate && /^\^?([1-5])(\\d|\[0-9\])?/.test(value)) out.expectStatus = [`${/^\^?([1-5])/.exec(value)![1]}xx`];
  else if (what === 'string') out[negate ? 'rejectBody' : 'expectBody'] = value;
  else if (what === 'rstring') out[negate ? 'rejectBodyRegex' : 'expectBodyRegex'] = value;
  else return unsupported(d, `http-check expect ${d.args.slice(1).join(' ')}`, '{ kind: http, expectStatus: [...], expectBodyRegex: ... }', errors);
  return undefined;
}

/**
 * One server's `check` under its proxy's check options, as HAProxy runs it
 * (configuration.txt 4 "option httpchk", "http-check", "tcp-check"): with no
 * option a TCP connect; `option httpchk` counts 2xx and 3xx as up.
 */
export function haproxyCheck(o: CheckOptions, tls: { tls: boolean; verify: boolean; sni?: string | undefined }, at: Directive, errors: ConfigIssue[], warnings: string[]): Check | undefined {
  const opt = o.option;
  const where = { file: at.file, line: opt?.line ?? at.line };
  switch (opt?.name) {
    case undefined:
      if (tls.tls) warnings.push(`${at.file}:${at.line}: check-ssl without httpchk: rsguard checks the TCP connect, not the TLS handshake (use kind https for that)`);
      return { kind: 'tcp' };
    case 'httpchk': {
      const req = httpchk(opt.args);
      const out: Check = { kind: tls.tls ? 'https' : 'http', expectStatus: ['200-399'] };
      for (const d of o.httpCheck) {
        const sub = d.args[0];
        if (sub === 'send') {
          for (let i = 1; i < d.args.length; i++) {
            const k = d.args[i];
            if (k === 'meth') req.method = (d.args[++i] ?? 'GET').toUpperCase();
            else if (k === 'uri') req.path = d.args[++i] ?? '/';
            else if (k === 'ver') i++;
            else if (k === 'hdr') req.headers[d.args[++i] ?? ''] = d.args[++i] ?? '';
            else return unsupported(d, `http-check send ${k}`, '{ kind: http, method, path, headers }', errors);
          }
        } else if (sub === 'expect') {
          if (out.expectBody || out.expectBodyRegex || out.rejectBody || out.rejectBodyRegex || o.httpCheck.filter((x) => x.args[0] === 'expect').length > 1) {
            return unsupported(d, 'several http-check expect rules', '{ kind: http, expectStatus, expectBodyRegex } (one of each)', errors);
          }
          const bad = httpExpect(d, out, errors);
          if (bad) return bad;
        } else if (sub === 'disable-on-404' || sub === 'send-state') warnings.push(`${d.file}:${d.line}: http-check ${sub} accepted but not acted on`);
        else if (sub !== 'connect') return unsupported(d, `http-check ${sub}`, '{ kind: http, ... }', errors);
      }
      if (!METHODS.has(req.method)) return unsupported(where, `method ${req.method}`, '{ kind: http, method: GET|HEAD|POST|OPTIONS }', errors);
      out.method = req.method;
      out.path = req.path.startsWith('/') ? req.path : `/${req.path}`;
      const host = Object.entries(req.headers).find(([k]) => k.toLowerCase() === 'host')?.[1];
      const others = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.toLowerCase() !== 'host' && k));
      if (host) out.virtualHost = host;
      else if (tls.sni) out.virtualHost = tls.sni;
      if (Object.keys(others).length) out.headers = others;
      if (tls.tls && !tls.verify) out.tlsVerify = false;
      return out;
    }
    case 'tcp-check': {
      const sends = o.tcpCheck.filter((d) => d.args[0] === 'send');
      const expects = o.tcpCheck.filter((d) => d.args[0] === 'expect');
      const other = o.tcpCheck.find((d) => !['send', 'expect', 'connect', 'comment'].includes(d.args[0] ?? ''));
      if (other || sends.length > 1 || expects.length > 1) return unsupported(other ?? sends[1] ?? expects[1]!, 'a tcp-check sequence of more than one send and one expect', '{ kind: tcp, send, expect } or { kind: exec, command: [...] }', errors);
      const out: Check = { kind: 'tcp' };
      if (sends[0]) out.send = sends[0].args.slice(1).join(' ');
      const e = expects[0];
      if (e) {
        const [what, value] = e.args.slice(1);
        if (what === 'string' && value) out.expect = value;
        else if (what === 'rstring' && value) out.expectRegex = value;
        else return unsupported(e, `tcp-check expect ${e.args.slice(1).join(' ')}`, '{ kind: tcp, expect: "..." }', errors);
      }
      return out;
    }
    case 'smtpchk':
      return { kind: 'smtp', greeting: opt.args[0]?.toUpperCase() === 'HELO' ? 'HELO' : 'EHLO', helo: opt.args[1] ?? 'localhost' };
    case 'redis-check':
      return { kind: 'tcp', send: 'PING\r\n', expect: '+PONG' };
    case 'ldap-check':
      return { kind: 'ldap' };
    case 'pgsql-check':
    case 'mysql-check': {
      const user = opt.args[0] === 'user' ? opt.args[1] : undefined;
      if (!user) {
        warnings.push(`${at.file}:${opt.line}: option ${opt.name} without a user: HAProxy reads the greeting, rsguard checks the TCP connect`);
        return { kind: 'tcp' };
      }
      return { kind: opt.name === 'mysql-check' ? 'mysql' : 'pgsql', user };
    }
    case 'ssl-hello-chk':
      warnings.push(`${at.file}:${opt.line}: option ssl-hello-chk: rsguard checks the TCP connect (use kind https to check TLS)`);
      return { kind: 'tcp' };
    default:
      return unsupported(where, `option ${opt!.name}`, '{ kind: tcp }', errors);
  }
}
