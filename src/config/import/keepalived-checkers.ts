import net from 'node:net';
import { seconds, unsupportedPart } from './imported.js';
import type { KaNode } from './keepalived-parser.js';
import { kaNumber, missingParameter, readInherited, tolerate, unknownKeyword, type Inherited, type KaSink } from './keepalived-sink.js';
import { scriptLine } from './keepalived-split.js';
import { fileCheck, type TrackFiles } from './keepalived-track-file.js';

type Check = Record<string, unknown>;
const at = (n: KaNode) => ({ file: n.file, line: n.line });

/** install_checker_common_keywords(true) (check_api.c): the connection keywords... */
const CONNECTION = ['connect_ip', 'connect_port', 'bindto', 'bind_port', 'bind_if', 'connect_timeout', 'fwmark'];
/** ...and those every checker with a launch function takes. */
const COMMON = ['retry', 'delay_before_retry', 'warmup', 'delay_loop', 'alpha', 'log_all_failures'];
/** The keywords each checker's install_*_keyword() registers in keepalived 2.2.7, and nothing else. */
const KEYWORDS: Record<string, Set<string>> = {
  TCP_CHECK: new Set([...CONNECTION, ...COMMON]),
  PING_CHECK: new Set([...CONNECTION, ...COMMON]),
  HTTP_GET: new Set([...CONNECTION, ...COMMON, 'nb_get_retry', 'virtualhost', 'http_protocol', 'enable_sni', 'fast_recovery', 'url']),
  SSL_GET: new Set([...CONNECTION, ...COMMON, 'nb_get_retry', 'virtualhost', 'http_protocol', 'enable_sni', 'fast_recovery', 'url']),
  // install_checker_common_keywords(false): no connection keywords.
  MISC_CHECK: new Set([...COMMON, 'misc_path', 'misc_timeout', 'misc_dynamic', 'user']),
  SMTP_CHECK: new Set(['helo_name', ...CONNECTION, ...COMMON, 'host']),
  DNS_CHECK: new Set([...CONNECTION, ...COMMON, 'type', 'name']),
  UDP_CHECK: new Set([...CONNECTION, ...COMMON, 'payload', 'require_reply', 'min_reply_length', 'max_reply_length']),
};
const SMTP_HOST = new Set([...CONNECTION, ...COMMON]);
const URL_KEYWORDS = new Set(['path', 'digest', 'status_code', 'virtualhost', 'regex', 'regex_no_match', 'regex_options', 'regex_min_offset', 'regex_max_offset', 'regex_stack']);
const UNSUPPORTED = new Set(['BFD_CHECK']);
export const CHECKERS = new Set([...Object.keys(KEYWORDS), 'FILE_CHECK', ...UNSUPPORTED]);

/**
 * One keepalived checker block as rsguard checks with their timing resolved:
 * down after retry+1 consecutive failures with delay_before_retry between
 * them, up after one success, re-checked every delay_loop. Each `url` of an
 * HTTP_GET is its own check: all must pass, as in keepalived.
 */
export function checkerToChecks(node: KaNode, parent: Inherited, sink: KaSink, trackFiles: TrackFiles = new Map()): Check[] {
  const { errors, warnings } = sink;
  if (UNSUPPORTED.has(node.key)) {
    const message = `${node.key} is not supported by rsguard (rsguard runs no BFD): use TCP_CHECK or PING_CHECK`;
    const replaceWith = '{ kind: tcp } (TCP_CHECK) or { kind: icmp } (PING_CHECK)';
    return [unsupportedPart(errors, { ...at(node), path: node.key }, message, replaceWith)];
  }
  if (node.key === 'FILE_CHECK') return fileCheck(node, trackFiles, sink);
  const keywords = KEYWORDS[node.key]!;
  // A checker's own settings start unset and fall back to the real server's (validate_check_config).
  const own: Inherited = { ...parent };
  const common: Check = {};
  const urls: KaNode[] = [];
  let misc: string[] | undefined;
  let miscTimeout: number | undefined;
  const extra: Check = {};
  const hosts: KaNode[] = [];
  for (const c of node.children ?? []) {
    if (!keywords.has(c.key)) {
      unknownKeyword(sink, c);
      continue;
    }
    if (missingParameter(c, sink)) continue;
    if (c.key === 'nb_get_retry') {
      // check_http.c http_get_retry_handler: logged as deprecated, and taken as retry.
      tolerate(sink, c, "nb_get_retry is deprecated - please use 'retry'");
      own.retry = kaNumber(c, sink, 0, true) ?? own.retry;
      continue;
    }
    if (c.key === 'retry') {
      // check_api.c retry_handler reads 0..UINT_MAX (the vs/rs levels start at 1).
      own.retry = kaNumber(c, sink, 0, true) ?? own.retry;
      continue;
    }
    if (c.key !== 'warmup' && readInherited(c, own, sink)) continue;
    switch (c.key) {
      case 'connect_ip':
        if (!net.isIP(c.args[0] ?? '')) tolerate(sink, c, `invalid connect_ip ${JSON.stringify(c.args[0])} - ignoring`);
        else common.host = c.args[0];
        break;
      case 'connect_port':
        common.port = kaNumber(c, sink, 1, true, 65535) ?? common.port;
        break;
      case 'url':
        urls.push(c);
        break;
      case 'misc_path': {
        const s = scriptLine(c.raw);
        if (s.argv) misc = s.argv;
        else tolerate(sink, c, `cannot parse misc_path (${s.error}) - ignoring`);
        // misc_path_handler splits only the line's second word into the argv; keepalived drops the rest without a word.
        if (s.extra.length) warnings.push(`${c.file}:${c.line}: misc_path: keepalived runs ${JSON.stringify(s.argv?.join(' ') ?? '')} and ignores ${JSON.stringify(s.extra.join(' '))}; so does rsguard (quote the whole command to pass arguments)`);
        break;
      }
      case 'misc_timeout':
        miscTimeout = kaNumber(c, sink, 0, true) ?? miscTimeout;
        break;
      case 'misc_dynamic':
        extra.dynamicWeight = true;
        break;
      case 'user':
        if (c.args[0]) extra.user = c.args[0];
        break;
      case 'helo_name':
        extra.helo = c.args[0];
        break;
      case 'http_protocol': {
        // check_http.c http_protocol_handler: 1.0, 1.1, 1.0C/1.0c (1.0 with Connection: close, which rsguard always sends).
        const v = c.args[0];
        if (v === undefined) tolerate(sink, c, 'Missing http_protocol version');
        else if (v === '1.1') extra.httpVersion = 1.1;
        else if (v === '1.0' || v === '1.0C' || v === '1.0c') extra.httpVersion = 1;
        else tolerate(sink, c, `Invalid http_protocol version ${v}`);
        break;
      }
      case 'host':
        hosts.push(c);
        break;
      case 'payload':
        extra.payload = c.args.join('');
        break;
      case 'require_reply':
        extra.requireReply = c.args.length ? c.args.join('') : true;
        break;
      case 'min_reply_length':
        extra.minReplyLength = kaNumber(c, sink, 0, true);
        break;
      case 'max_reply_length':
        extra.maxReplyLength = kaNumber(c, sink, 0, true);
        break;
      case 'type':
        extra.type = (c.args[0] ?? '').toUpperCase();
        break;
      case 'name':
        extra.query = c.args[0];
        break;
      default:
        // The checker's KEYWORDS that change nothing rsguard does (bindto, warmup, fast_recovery...).
        warnings.push(`${c.file}:${c.line}: ${node.key} ${c.key} accepted but not acted on`);
    }
  }
  const isMisc = node.key === 'MISC_CHECK';
  const isHttp = node.key === 'HTTP_GET' || node.key === 'SSL_GET';
  const isDns = node.key === 'DNS_CHECK';
  const delayLoop = own.delayLoop ?? 60;
  // default_retry: 1, MISC_CHECK 0, DNS_CHECK 3 (check_api.c queue_checker, check_misc.c, check_dns.c).
  const retry = own.retry ?? (isMisc ? 0 : isDns ? 3 : 1);
  const timing: Check = {
    interval: seconds(delayLoop),
    timeout: seconds(isMisc ? (miscTimeout ?? delayLoop) : (own.connectTimeout ?? 5)),
    retryInterval: seconds(own.delayBeforeRetry ?? (isHttp ? 3 : isDns ? delayLoop : 1)),
    fall: retry + 1,
    rise: 1,
    alpha: own.alpha ?? false,
  };
  switch (node.key) {
    case 'TCP_CHECK':
      return [{ kind: 'tcp', ...common, ...timing }];
    case 'PING_CHECK':
      return [{ kind: 'icmp', ...common, ...timing }];
    case 'MISC_CHECK': {
      if (!misc) {
        // check_misc.c misc_end_handler: "No script path has been specified for MISC_CHECKER - skipping".
        tolerate(sink, node, 'no script path has been specified for MISC_CHECK - skipping');
        return [];
      }
      return [{ kind: 'exec', command: misc, appendTarget: false, ...(extra.dynamicWeight ? { dynamicWeight: true } : {}), ...(extra.user ? { user: extra.user } : {}), ...timing }];
    }
    case 'SMTP_CHECK': {
      // keepalived's dialogue: 220, HELO helo_name, 250, QUIT. Each deprecated host{} block is one more check, all must pass.
      const smtp = { kind: 'smtp', greeting: 'HELO', helo: extra.helo ?? 'smtpchecker.keepalived.org', ...timing };
      if (!hosts.length) return [{ ...smtp, ...common }];
      // smtp_check_end_handler: the block's own connection (rs address) is checked too when any connection keyword was set on it.
      const ownConnection = (node.children ?? []).some((c) => CONNECTION.includes(c.key));
      return [...(ownConnection ? [{ ...smtp, ...common }] : []), ...hosts.map((h) => {
        const hc: Check = { ...common };
        let timeout: string | undefined;
        for (const c of h.children ?? []) {
          if (!SMTP_HOST.has(c.key)) unknownKeyword(sink, c);
          else if (c.key === 'connect_ip' && net.isIP(c.args[0] ?? '')) hc.host = c.args[0];
          else if (c.key === 'connect_port') hc.port = kaNumber(c, sink, 1, true, 65535) ?? hc.port;
          else if (c.key === 'connect_timeout') timeout = seconds(kaNumber(c, sink, 0.000001) ?? own.connectTimeout ?? 5);
          else warnings.push(`${c.file}:${c.line}: SMTP_CHECK host ${c.key} accepted but not acted on`);
        }
        // smtp_host_handler allocates the host's connection zeroed: without its own connect_timeout keepalived 2.2.7 reads
        // with a 0 s timeout, so its check passes only when the greeting has already arrived (a race it mostly loses).
        // rsguard does not copy a race that takes healthy servers out: it uses the SMTP_CHECK's timeout, and says so.
        if (timeout === undefined) warnings.push(`${h.file}:${h.line}: SMTP_CHECK host without its own connect_timeout: keepalived 2.2.7 reads it with a 0 s timeout (its check fails unless the greeting is already there); rsguard uses the SMTP_CHECK's ${String(timing.timeout)}`);
        return { ...smtp, ...hc, ...(timeout ? { timeout } : {}) };
      })];
    }
    case 'UDP_CHECK': {
      const reply = extra.requireReply;
      if (extra.minReplyLength !== undefined || extra.maxReplyLength !== undefined) warnings.push(`${node.file}:${node.line}: UDP_CHECK min_reply_length/max_reply_length accepted but not acted on`);
      return [{ kind: 'udp', ...common, ...(extra.payload ? { payload: extra.payload } : {}), ...(reply === true ? { requireReply: true } : typeof reply === 'string' ? { requireReply: reply } : {}), ...timing }];
    }
    case 'DNS_CHECK':
      return [{ kind: 'dns', ...common, ...(extra.query ? { query: extra.query } : {}), ...(extra.type ? { type: extra.type } : {}), ...timing }];
    default: {
      if (urls.length === 0) {
        // check_http.c http_get_check_end: "HTTP/SSL_GET checker has no urls specified - ignoring".
        tolerate(sink, node, `${node.key} checker has no urls specified - ignoring`);
        return [];
      }
      // keepalived asks in HTTP/1.0 unless http_protocol 1.1 (check_http.c request_template).
      return urls.map((u) => ({ ...urlCheck(node.key === 'SSL_GET' ? 'https' : 'http', u, own.virtualhost, common, timing, sink), version: extra.httpVersion ?? 1 }));
    }
  }
}

function urlCheck(kind: string, url: KaNode, vhost: string | undefined, common: Check, timing: Check, sink: KaSink): Check {
  const check: Check = { kind, path: '/', ...common, ...timing };
  const status: Array<number | string> = [];
  let regex: string | undefined;
  let invert = false;
  let virtualHost = vhost;
  for (const c of url.children ?? []) {
    if (!URL_KEYWORDS.has(c.key)) {
      unknownKeyword(sink, c);
      continue;
    }
    if (missingParameter(c, sink)) continue;
    switch (c.key) {
      case 'path':
        check.path = c.args[0]?.startsWith('/') ? c.args[0] : `/${c.args[0] ?? ''}`;
        break;
      case 'status_code':
        for (const a of c.args) status.push(/^\d+$/.test(a) ? Number(a) : a);
        break;
      case 'digest':
        check.digest = c.args[0];
        break;
      case 'virtualhost':
        virtualHost = c.args[0];
        break;
      case 'regex':
        regex = c.args.join(' ');
        break;
      case 'regex_no_match':
        invert = true;
        break;
      default:
        sink.warnings.push(`${c.file}:${c.line}: url ${c.key} accepted but not acted on`);
    }
  }
  if (status.length) check.expectStatus = status;
  if (regex !== undefined) check[invert ? 'rejectBodyRegex' : 'expectBodyRegex'] = regex;
  if (virtualHost) check.virtualHost = virtualHost;
  // keepalived's SSL_GET never verifies the server's certificate, not even with an SSL block's ca (keepalived-ssl.ts).
  if (kind === 'https') check.tlsVerify = false;
  return check;
}
