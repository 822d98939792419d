import net from 'node:net';
import path from 'node:path';
import { formatHostPort } from '../../lib/address.js';
import type { ConfigIssue } from '../errors.js';
import { unsupportedPart, type Directive } from './imported.js';
import { haproxyChecks, type CheckOptions, type ServerCheck } from './haproxy-checks.js';
import type { HaproxySection } from './haproxy-parser.js';
import { haproxyTime } from './haproxy-time.js';
import { agentCheck, type AgentSettings } from './haproxy-agent.js';
import { passiveOf } from './haproxy-passive.js';

/** HAProxy's own defaults (configuration.txt 5.2): inter 2s, rise 2, fall 3, weight 1. */
const DEFAULT_INTER = 2000;

/** What of `global` the server lines depend on. */
export interface ServerGlobals {
  /** `ssl-server-verify`: required unless set to none (configuration.txt 3.1). */
  verify: 'none' | 'required';
  /** `ca-base`, `crt-base`: where relative ca-file/crl-file and crt paths are. */
  caBase?: string;
  crtBase?: string;
}

export function serverGlobals(sections: HaproxySection[]): ServerGlobals {
  const out: ServerGlobals = { verify: 'required' };
  for (const d of sections.filter((s) => s.kind === 'global').flatMap((s) => s.body)) {
    if (d.key === 'ssl-server-verify' && (d.args[0] === 'none' || d.args[0] === 'required')) out.verify = d.args[0];
    else if (d.key === 'ca-base' && d.args[0]) out.caBase = d.args[0];
    else if (d.key === 'crt-base' && d.args[0]) out.crtBase = d.args[0];
  }
  return out;
}

/**
 * Every server and default-server keyword of HAProxy 2.6 (srv_kws in
 * server.c, check.c, cfgparse-ssl.c, cfgparse-tcp.c) with how many words it
 * takes (`source` takes its own, see serverParams) and what rsguard does with
 * it. `traffic`: only HAProxy's forwarding uses it, not its checks: accepted,
 * not acted on (it stays in haproxy.cfg). `tls`: tunes the handshake of TLS
 * checks; rsguard's checks use OpenSSL's defaults. `check`: read below.
 */
type Role = 'check' | 'traffic' | 'tls';
const KEYWORDS: Record<string, [args: number, role: Role]> = {
  // server.c
  backup: [0, 'check'], cookie: [1, 'traffic'], disabled: [0, 'check'], enabled: [0, 'check'], 'error-limit': [1, 'check'],
  ws: [1, 'traffic'], id: [1, 'traffic'], 'init-addr': [1, 'traffic'], 'log-proto': [1, 'traffic'], maxconn: [1, 'traffic'],
  maxqueue: [1, 'traffic'], 'max-reuse': [1, 'traffic'], minconn: [1, 'traffic'], namespace: [1, 'check'], 'no-backup': [0, 'check'],
  'no-send-proxy': [0, 'check'], 'no-send-proxy-v2': [0, 'check'], 'no-tfo': [0, 'traffic'], 'non-stick': [0, 'traffic'],
  observe: [1, 'check'], 'on-error': [1, 'check'], 'on-marked-down': [1, 'traffic'], 'on-marked-up': [1, 'traffic'],
  'pool-low-conn': [1, 'traffic'], 'pool-max-conn': [1, 'traffic'], 'pool-purge-delay': [1, 'traffic'], proto: [1, 'check'],
  'proxy-v2-options': [1, 'traffic'], redir: [1, 'traffic'], 'resolve-net': [1, 'traffic'], 'resolve-opts': [1, 'traffic'],
  'resolve-prefer': [1, 'traffic'], resolvers: [1, 'traffic'], 'send-proxy': [0, 'check'], 'send-proxy-v2': [0, 'check'],
  slowstart: [1, 'check'], source: [1, 'check'], stick: [0, 'traffic'], tfo: [0, 'traffic'], track: [1, 'check'], socks4: [1, 'traffic'],
  usesrc: [0, 'check'], weight: [1, 'check'],
  // check.c
  addr: [1, 'check'], 'agent-addr': [1, 'check'], 'agent-check': [0, 'check'], 'agent-inter': [1, 'check'], 'agent-port': [1, 'check'],
  'agent-send': [1, 'check'], check: [0, 'check'], 'check-proto': [1, 'check'], 'check-send-proxy': [0, 'check'], 'check-via-socks4': [0, 'check'],
  'no-agent-check': [0, 'check'], 'no-check': [0, 'check'], 'no-check-send-proxy': [0, 'check'], rise: [1, 'check'], fall: [1, 'check'],
  inter: [1, 'check'], fastinter: [1, 'check'], downinter: [1, 'check'], port: [1, 'check'],
  // cfgparse-ssl.c
  'allow-0rtt': [0, 'traffic'], alpn: [1, 'traffic'], 'ca-file': [1, 'check'], 'check-alpn': [1, 'check'], 'check-sni': [1, 'check'],
  'check-ssl': [0, 'check'], ciphers: [1, 'tls'], ciphersuites: [1, 'tls'], 'crl-file': [1, 'check'], crt: [1, 'check'],
  'force-sslv3': [0, 'tls'], 'force-tlsv10': [0, 'tls'], 'force-tlsv11': [0, 'tls'], 'force-tlsv12': [0, 'tls'], 'force-tlsv13': [0, 'tls'],
  'no-check-ssl': [0, 'check'], 'no-send-proxy-v2-ssl': [0, 'traffic'], 'no-send-proxy-v2-ssl-cn': [0, 'traffic'], 'no-ssl': [0, 'check'],
  'no-ssl-reuse': [0, 'traffic'], 'no-sslv3': [0, 'tls'], 'no-tlsv10': [0, 'tls'], 'no-tlsv11': [0, 'tls'], 'no-tlsv12': [0, 'tls'],
  'no-tlsv13': [0, 'tls'], 'no-tls-tickets': [0, 'traffic'], npn: [1, 'traffic'], 'send-proxy-v2-ssl': [0, 'check'],
  'send-proxy-v2-ssl-cn': [0, 'check'], sni: [1, 'traffic'], ssl: [0, 'check'], 'ssl-min-ver': [1, 'tls'], 'ssl-max-ver': [1, 'tls'],
  'ssl-reuse': [0, 'traffic'], 'tls-tickets': [0, 'traffic'], verify: [1, 'check'], verifyhost: [1, 'check'],
  // cfgparse-tcp.c
  'tcp-ut': [1, 'traffic'],
};

/** Flags a later keyword turns off (default-server's, then the server's own: the last word wins). */
const NEGATES: Record<string, string[]> = {
  'no-backup': ['backup'], enabled: ['disabled'], 'no-check': ['check'], 'no-agent-check': ['agent-check'], 'no-ssl': ['ssl'],
  'no-check-ssl': ['check-ssl'], 'no-send-proxy': ['send-proxy'], 'no-send-proxy-v2': ['send-proxy-v2', 'send-proxy-v2-ssl', 'send-proxy-v2-ssl-cn'],
  'no-check-send-proxy': ['check-send-proxy'], 'no-send-proxy-v2-ssl': ['send-proxy-v2-ssl'], 'no-send-proxy-v2-ssl-cn': ['send-proxy-v2-ssl-cn'],
  ssl: ['no-ssl'], 'check-ssl': ['no-check-ssl'], check: ['no-check'], backup: ['no-backup'], 'tls-tickets': ['no-tls-tickets'], 'ssl-reuse': ['no-ssl-reuse'],
};

export interface ServerParams {
  flags: Set<string>;
  values: Map<string, string>;
  /** Keywords HAProxy 2.6 does not know: it refuses the line ("unknown keyword"). */
  unknown: string[];
  /** Every keyword written, for the warnings. */
  seen: Set<string>;
}

/** Parameters after `server NAME ADDR`: flags and `key value` pairs; default-server's first, the server's own win. */
export function serverParams(words: string[]): ServerParams {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const kw = KEYWORDS[w];
    if (!kw) {
      unknown.push(w);
      continue;
    }
    seen.add(w);
    if (w === 'source') {
      // source <addr>[:<port>] [usesrc <addr>|client|clientip|hdr_ip(...)] [interface <name>] (srv_parse_source)
      values.set(w, words[++i] ?? '');
      while (words[i + 1] === 'usesrc' || words[i + 1] === 'interface') i += 2;
    } else if (kw[0] === 1) values.set(w, words[++i] ?? '');
    else {
      for (const off of NEGATES[w] ?? []) flags.delete(off);
      flags.add(w);
    }
  }
  return { flags, values, unknown, seen };
}

/**
 * A ca-file/crl-file/crt path as HAProxy opens it: relative ones under
 * ca-base/crt-base, and still relative ones from HAProxy's working directory,
 * which rsguard cannot know: the directory of haproxy.cfg stands in for it
 * (where HAProxy's own tests and most packages keep their certificates).
 */
function underBase(file: string, base: string | undefined, cfg: string): string {
  const p = path.isAbsolute(file) || !base ? file : path.join(base, file);
  return path.isAbsolute(p) ? p : path.resolve(path.dirname(path.resolve(cfg)), p);
}

export interface ServerContext extends AgentSettings {
  check: CheckOptions;
  defaultServer: string[];
}

/**
 * One `server` line (after its proxy's default-server lines) as an rsguard
 * real server: address, weight, and its `check` with HAProxy's timing and
 * everything of the line that changes what the check does; what rsguard
 * cannot do is marked unsupported with its line, what only HAProxy's traffic
 * uses is listed in one warning.
 */
export function server(d: Directive, settings: ServerContext, errors: ConfigIssue[], warnings: string[], globals: ServerGlobals = { verify: 'required' }): Record<string, unknown> | undefined {
  const [name, addr, ...rest] = d.args;
  const at = `${d.file}:${d.line}`;
  const hp = /^(.*?)(?::(\d+))?$/.exec(addr ?? '');
  const host = hp?.[1]?.replace(/^\[|\]$/g, '') ?? '';
  if (!name || !addr || !net.isIP(host)) {
    errors.push({ file: d.file, line: d.line, path: 'server', message: `expected "server NAME IP[:PORT] ...", got ${JSON.stringify(d.args.slice(0, 2).join(' '))} (rsguard needs IP addresses; names are resolved by HAProxy)` });
    return undefined;
  }
  const p = serverParams([...settings.defaultServer, ...rest]);
  const { flags, values } = p;
  for (const w of p.unknown) errors.push({ file: d.file, line: d.line, path: w, message: `unknown server keyword "${w}": HAProxy 2.6 refuses it` });
  if (flags.has('usesrc')) errors.push({ file: d.file, line: d.line, path: 'usesrc', message: '"usesrc" only goes after "source <addr>": HAProxy refuses it alone' });
  if (flags.has('backup')) {
    warnings.push(`${at}: server ${name} is a backup: left to HAProxy, which sends traffic to it when every other server is down or in maint (rsguard's sorry server, done by HAProxy)`);
    return undefined;
  }
  if (flags.has('disabled')) warnings.push(`${at}: server ${name} is disabled in haproxy.cfg: rsguard will put it in the pool when its check passes`);
  const weight = values.has('weight') ? Number(values.get('weight')) : 1;
  if (!Number.isInteger(weight) || weight < 0 || weight > 256) errors.push({ file: d.file, line: d.line, path: 'weight', message: `weight must be 0-256, got ${JSON.stringify(values.get('weight'))}` });
  const rs: Record<string, unknown> = { address: formatHostPort(host, hp?.[2] ? Number(hp[2]) : undefined), weight, haproxyServer: name };
  const checked = flags.has('check');
  warnUnused(p, checked, at, warnings);
  if (values.has('slowstart')) {
    // srv_update_status: leaving maint, a server whose own checks are off warms up over slowstart.
    warnings.push(`${at}: slowstart ${values.get('slowstart')} is left to HAProxy: it ramps the server up itself when rsguard takes it out of maint (keep slowstart in haproxy.cfg)`);
  }
  // The agent runs with or without `check` (init_srv_agent_check), on a tracking server too: its answer changes the server.
  const agentOf = agentCheck(p, d, settings, errors, warnings);
  const agent = agentOf ? [agentOf] : [];
  if (values.has('track')) {
    // Checked by haproxy-track.ts for every server line (HAProxy's refusals hold for servers rsguard leaves alone too), and resolved once every backend is read (haproxy-track.ts): the tracked server may be in a later one.
    rs.track = values.get('track');
    if (agent.length) rs.checks = agent;
    return rs;
  }
  if (!checked) {
    // HAProxy does not check it: it is always up, and so it is here.
    rs.checks = agent;
    return rs;
  }
  const inter = haproxyTime(values.get('inter')) ?? DEFAULT_INTER;
  const fast = haproxyTime(values.get('fastinter')) ?? inter;
  if (values.has('downinter')) warnings.push(`${at}: downinter accepted but not acted on: rsguard checks a down server every inter`);
  const timeout = settings.timeoutCheck !== undefined ? Math.min(settings.timeoutConnect ?? inter, inter) + settings.timeoutCheck : inter;
  const checks = haproxyChecks(settings.check, serverCheck(p, globals, d.file), d, errors, warnings);
  const timing = { interval: `${inter}ms`, retryInterval: `${fast}ms`, timeout: `${timeout}ms`, rise: Number(values.get('rise') ?? 2), fall: Number(values.get('fall') ?? 3) };
  // A server without a port is checked where its first tcp-check connect says (configuration.txt "tcp-check connect").
  const firstStepPort = (check: Record<string, unknown>) => (hp?.[2] ? undefined : ((check.steps as Array<Record<string, unknown>> | undefined)?.[0]?.port as number | undefined));
  let main: Array<Record<string, unknown>> = checks.map((check) => ({
    ...check,
    ...(values.has('port') && check.port === undefined && !check.unsupported ? { port: Number(values.get('port')) } : {}),
    ...(!values.has('port') && check.port === undefined && firstStepPort(check) !== undefined ? { port: firstStepPort(check) } : {}),
    ...(values.has('addr') && check.host === undefined && !check.unsupported ? { host: values.get('addr') } : {}),
    ...(check.unsupported ? {} : timing),
  }));
  if (values.has('namespace')) {
    main = [unsupportedPart(errors, { file: d.file, line: d.line, path: 'namespace' }, `namespace ${values.get('namespace')}: HAProxy connects its checks from that network namespace; rsguard's checks leave from its own`, '{ kind: exec, command: [ip, netns, exec, ...] }')];
  }
  rs.checks = [...main, ...agent];
  const passive = passiveOf(values, d, errors, warnings);
  if (passive) rs.haproxyPassive = passive;
  return rs;
}

/** What the check transport of this server is, as init_srv_check and ssl_sock_prepare_srv_ctx set it up. */
function serverCheck(p: ServerParams, g: ServerGlobals, cfg: string): ServerCheck {
  const { flags, values } = p;
  // init_srv_check (check.c): without port or addr the check inherits the server's ssl and PROXY protocol; with either, only check-ssl and check-send-proxy count.
  const own = !values.has('port') && !values.has('addr');
  const ssl = flags.has('check-ssl') || (own && flags.has('ssl') && !flags.has('no-check-ssl'));
  const sendProxy = flags.has('check-send-proxy') || (own && (flags.has('send-proxy') || flags.has('send-proxy-v2') || flags.has('send-proxy-v2-ssl') || flags.has('send-proxy-v2-ssl-cn')));
  const verify = values.get('verify') ?? g.verify;
  const caFile = values.get('ca-file');
  return {
    ssl,
    // ssl_sock_prepare_srv_ctx: the server's verify, else global ssl-server-verify (required by default).
    verify: verify !== 'none',
    ...(caFile ? { caFile: caFile === '@system-ca' ? caFile : underBase(caFile, g.caBase, cfg) } : {}),
    ...(values.has('crl-file') ? { crlFile: underBase(values.get("crl-file")!, g.caBase, cfg) } : {}),
    ...(values.has('crt') ? { crt: underBase(values.get("crt")!, g.crtBase, cfg) } : {}),
    ...(values.has('check-sni') ? { sni: values.get('check-sni')! } : {}),
    ...(values.has('verifyhost') ? { verifyHost: values.get('verifyhost')! } : {}),
    ...(values.has('check-alpn') ? { alpn: values.get('check-alpn')! } : {}),
    ...(values.has('check-proto') || values.has('proto') ? { proto: values.get('check-proto') ?? values.get('proto')!, protoFromServer: !values.has('check-proto') } : {}),
    sendProxy,
    ...(values.has('socks4') ? { socks4: values.get('socks4')! } : {}),
    viaSocks4: flags.has('check-via-socks4'),
  };
}

/** One warning per line for what it sets that does not change the check: HAProxy uses it for its traffic. */
function warnUnused(p: ServerParams, checked: boolean, at: string, warnings: string[]): void {
  // The agent connects as the checks do: from the server's namespace and source, to `addr`, through its SOCKS4 proxy.
  const agent = p.flags.has('agent-check');
  const probed = checked || agent;
  const traffic = [...p.seen].filter((w) => {
    const role = KEYWORDS[w]![1];
    // socks4 carries HAProxy's traffic, and with check-via-socks4 the checks too (then rsguard's).
    if (w === 'socks4') return !(probed && p.flags.has('check-via-socks4'));
    if (role === 'traffic') return true;
    if (role === 'tls') return !checked;
    // Inert without the keyword that turns them on.
    if (['agent-addr', 'agent-inter', 'agent-port', 'agent-send'].includes(w)) return !p.flags.has('agent-check');
    if (['on-error', 'error-limit'].includes(w)) return !p.values.has('observe') || p.values.get('observe') === 'none' || !p.flags.has('check');
    if (w === 'observe') return !p.flags.has('check') || p.values.get('observe') === 'none';
    return false;
  });
  if (traffic.length) warnings.push(`${at}: ${traffic.join(', ')} accepted, not acted on: HAProxy's own traffic settings, they stay in haproxy.cfg`);
  const USED = ['check', 'no-check', 'backup', 'no-backup', 'disabled', 'enabled', 'weight', 'agent-check', 'no-agent-check', 'track', 'slowstart', 'usesrc'];
  const AGENT_USES = ['addr', 'namespace', 'source', 'check-via-socks4'];
  const idle = checked ? [] : [...p.seen].filter((w) => KEYWORDS[w]![1] === 'check' && !USED.includes(w) && !w.startsWith('agent-') && !(agent && AGENT_USES.includes(w)));
  if (idle.length) warnings.push(`${at}: ${idle.join(', ')} accepted, not acted on: the server has no check`);
  const tls = checked ? [...p.seen].filter((w) => KEYWORDS[w]![1] === 'tls') : [];
  if (tls.length) warnings.push(`${at}: ${tls.join(', ')} accepted, not acted on: rsguard's TLS checks use OpenSSL's default versions and ciphers`);
  if (probed && p.flags.has('check-via-socks4') && !p.values.has('socks4')) warnings.push(`${at}: check-via-socks4 without socks4 on the server: HAProxy connects the checks directly, and so does rsguard`);
  if (probed && p.values.has('source')) warnings.push(`${at}: source ${p.values.get('source')} accepted, not acted on: rsguard's checks connect from the director's own address`);
}
