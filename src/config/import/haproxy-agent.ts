import net from 'node:net';
import type { ConfigIssue } from '../errors.js';
import { unsupportedPart, type Directive } from './imported.js';
import { haproxyTime } from './haproxy-time.js';

/** HAProxy's agent-inter when none is written (proxy.c: defsrv.agent.inter = DEF_CHKINTR), whatever the server's `inter`. */
const DEFAULT_AGENT_INTER = 2000;

/** A server line's words as serverParams reads them (haproxy-server.ts). */
interface AgentParams {
  flags: Set<string>;
  values: Map<string, string>;
}

/** What of the proxy the agent check depends on. */
export interface AgentSettings {
  timeoutCheck?: number | undefined;
  timeoutConnect?: number | undefined;
  balance?: string | undefined;
  hashType?: string | undefined;
}

/** atol(): optional blanks and sign, then digits; 0 when there are none. */
function atol(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/**
 * HAProxy's words are bytes; rsguard reads haproxy.cfg as UTF-8. A character
 * up to U+00FF is one byte (what `\xHH` gives), a larger one its UTF-8 bytes.
 */
function asBytes(s: string): string {
  return [...s].map((c) => (c.codePointAt(0)! <= 0xff ? c : Buffer.from(c, 'utf8').toString('latin1'))).join('');
}

/**
 * Whether HAProxy takes any weight at run time in this backend
 * (server_parse_weight_change_request refuses all but 0 and the configured one
 * without BE_LB_PROP_DYN): static-rr, and the hashes unless consistent
 * (cfgparse.c, the lookup set up for each algorithm).
 */
function staticAlgorithm(s: AgentSettings): string | undefined {
  const b = s.balance ?? 'roundrobin';
  if (b === 'static-rr') return b;
  const hashed = ['source', 'uri', 'url_param', 'hdr', 'rdp-cookie', 'hash'].some((h) => b === h || b.startsWith(`${h}(`));
  return hashed && s.hashType !== 'consistent' ? `${b} with hash-type ${s.hashType ?? 'map-based'}` : undefined;
}

/**
 * The `agent-check` of one server line (default-server's words first) as an
 * rsguard check of kind agent, with HAProxy's semantics (check.c
 * srv_parse_agent_*, init_srv_agent_check; server.c _srv_parse_finalize):
 * it connects to agent-addr, else `addr`, else the server, on agent-port
 * (required: HAProxy refuses the server without one); every agent-inter
 * (2 s), which is its timeout too unless `timeout check` is set; each answer
 * counts at once (HAProxy's agent rise and fall are 1). What HAProxy refuses
 * is an error on the line; what rsguard does not take of the answers is said.
 */
export function agentCheck(p: AgentParams, d: Directive, settings: AgentSettings, errors: ConfigIssue[], warnings: string[]): Record<string, unknown> | undefined {
  if (!p.flags.has('agent-check')) return undefined;
  const name = d.args[0] ?? '';
  const refuse = (path: string, message: string) => void errors.push({ file: d.file, line: d.line, path, message });
  const portWord = p.values.get('agent-port');
  const port = portWord === undefined ? 0 : atol(portWord);
  if (port === 0) return refuse('agent-port', `server ${name} does not have agent port. Agent check has been disabled. (HAProxy refuses to start)`);
  if (port < 0 || port > 65535) return refuse('agent-port', `agent-port ${portWord}: not a port (1-65535)`);
  const interWord = p.values.get('agent-inter');
  const inter = interWord === undefined ? DEFAULT_AGENT_INTER : haproxyTime(interWord);
  if (inter === undefined || inter <= 0) return refuse('agent-inter', `invalid value ${JSON.stringify(interWord)} for argument 'agent-inter' of server ${name} (HAProxy refuses to start)`);
  const sendWord = p.values.get('agent-send');
  if (sendWord === '') return refuse('agent-send', "'agent-send' expects a string as argument (HAProxy refuses to start)");
  // set_srv_agent_send keeps a C string: what follows a NUL is never sent.
  const send = sendWord === undefined ? '' : asBytes(sendWord.split('\0')[0]!);
  // srv_parse_addr: `addr` is the agent's address too, unless agent-addr is set (SRV_F_AGENTADDR).
  const hostKey = p.values.has('agent-addr') ? 'agent-addr' : p.values.has('addr') ? 'addr' : undefined;
  const host = hostKey && p.values.get(hostKey)!;
  if (hostKey && host && !net.isIP(host)) {
    return unsupportedPart(errors, { file: d.file, line: d.line, path: hostKey }, `${hostKey} ${host}: the agent is reached at a name HAProxy resolves at start; rsguard's checks connect to IP addresses`, `${hostKey} with the agent's IP address`);
  }
  // tcpcheck_eval_connect: the agent's connection leaves from the server's namespace, and through its SOCKS4 proxy with check-via-socks4.
  if (p.values.has('namespace')) {
    return unsupportedPart(errors, { file: d.file, line: d.line, path: 'namespace' }, `namespace ${p.values.get('namespace')}: HAProxy connects to the agent from that network namespace; rsguard's checks leave from its own`, 'drop agent-check');
  }
  const socks4 = p.flags.has('check-via-socks4') && p.values.has('socks4') ? { address: p.values.get('socks4')!, userId: 'HAProxy' } : undefined;
  const at = `${d.file}:${d.line}`;
  const lb = staticAlgorithm(settings);
  if (lb) warnings.push(`${at}: agent-check of server ${name}: balance ${lb} is a static algorithm: HAProxy takes only the agent's weights that give 0 or the configured weight; rsguard asks HAProxy for any, which it refuses`);
  warnings.push(`${at}: agent-check of server ${name}: the agent's maxconn:N answers are not applied (rsguard sets no connection limit), and its drain/maint/ready leave a drain or maintenance set through rsguard as it is`);
  const timeout = settings.timeoutCheck !== undefined ? Math.min(settings.timeoutConnect ?? inter, inter) + settings.timeoutCheck : inter;
  return {
    kind: 'agent',
    ...(host ? { host } : {}),
    port,
    ...(socks4 ? { socks4 } : {}),
    ...(send ? { send } : {}),
    interval: `${inter}ms`,
    retryInterval: `${inter}ms`,
    timeout: `${timeout}ms`,
    rise: 1,
    fall: 1,
  };
}
