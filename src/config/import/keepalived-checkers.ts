import net from 'node:net';
import type { ConfigIssue } from '../errors.js';
import { seconds, unsupportedPart } from './imported.js';
import { number, tokenizeLine, type KaNode } from './keepalived-parser.js';
import { fileCheck, type TrackFiles } from './keepalived-track-file.js';

/** Settings inherited virtual_server → real_server → checker (keepalived.conf(5)). */
export interface Inherited {
  delayLoop?: number;
  connectTimeout?: number;
  retry?: number;
  delayBeforeRetry?: number;
  alpha?: boolean;
  virtualhost?: string;
}

type Check = Record<string, unknown>;
const at = (n: KaNode) => ({ file: n.file, line: n.line });

/** Reads the timing keywords any level may carry into `into`. Returns true when the node was one of them. */
export function readInherited(n: KaNode, into: Inherited, errors: ConfigIssue[]): boolean {
  switch (n.key) {
    case 'delay_loop':
      into.delayLoop = number(n, errors, 0.001) ?? into.delayLoop;
      return true;
    case 'connect_timeout':
      into.connectTimeout = number(n, errors, 0.001) ?? into.connectTimeout;
      return true;
    case 'retry':
    case 'nb_get_retry':
      into.retry = number(n, errors, 0) ?? into.retry;
      return true;
    case 'delay_before_retry':
      into.delayBeforeRetry = number(n, errors, 0.001) ?? into.delayBeforeRetry;
      return true;
    case 'alpha':
      into.alpha = n.args[0] !== 'false' && n.args[0] !== 'no';
      return true;
    case 'virtualhost':
      into.virtualhost = n.args[0];
      return true;
    default:
      return false;
  }
}

const CHECKER_IGNORED = new Set(['bindto', 'bind_port', 'bind_if', 'fwmark', 'log_all_failures', 'warmup', 'http_protocol', 'fast_recovery', 'tls_compliant', 'enable_sni']);
const UNSUPPORTED = new Set(['BFD_CHECK']);
export const CHECKERS = new Set(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'PING_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'FILE_CHECK', ...UNSUPPORTED]);


/**
 * One keepalived checker block as rsguard checks with their timing resolved:
 * down after retry+1 consecutive failures with delay_before_retry between
 * them, up after one success, re-checked every delay_loop. Each `url` of an
 * HTTP_GET is its own check: all must pass, as in keepalived.
 */
export function checkerToChecks(node: KaNode, parent: Inherited, errors: ConfigIssue[], warnings: string[], trackFiles: TrackFiles = new Map()): Check[] {
  if (UNSUPPORTED.has(node.key)) {
    const message = `${node.key} is not supported by rsguard (rsguard runs no BFD): use TCP_CHECK or PING_CHECK`;
    const replaceWith = '{ kind: tcp } (TCP_CHECK) or { kind: icmp } (PING_CHECK)';
    return [unsupportedPart(errors, { ...at(node), path: node.key }, message, replaceWith)];
  }
  if (node.key === 'FILE_CHECK') return fileCheck(node, trackFiles, errors);
  const own: Inherited = { ...parent };
  const common: Check = {};
  const urls: KaNode[] = [];
  let miscPath: string | undefined;
  let miscTimeout: number | undefined;
  let sniName: string | undefined;
  const extra: Check = {};
  const hosts: KaNode[] = [];
  for (const c of node.children ?? []) {
    if (readInherited(c, own, errors)) continue;
    switch (c.key) {
      case 'connect_ip':
        if (!net.isIP(c.args[0] ?? '')) errors.push({ ...at(c), path: c.key, message: `expected an IP address, got ${JSON.stringify(c.args[0])}` });
        else common.host = c.args[0];
        break;
      case 'connect_port':
        common.port = number(c, errors, 1);
        break;
      case 'url':
        urls.push(c);
        break;
      case 'misc_path':
        miscPath = c.args.join(' ');
        break;
      case 'misc_timeout':
        miscTimeout = number(c, errors, 0.001);
        break;
      case 'sni_name':
        sniName = c.args[0];
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
        extra.minReplyLength = number(c, errors, 0);
        break;
      case 'max_reply_length':
        extra.maxReplyLength = number(c, errors, 0);
        break;
      case 'type':
        extra.type = (c.args[0] ?? '').toUpperCase();
        break;
      case 'name':
        extra.query = c.args[0];
        break;
      default:
        if (CHECKER_IGNORED.has(c.key)) warnings.push(`${c.file}:${c.line}: ${node.key} ${c.key} accepted but not acted on`);
        else errors.push({ ...at(c), path: c.key, message: `unknown ${node.key} keyword ${c.key}` });
    }
  }
  const isMisc = node.key === 'MISC_CHECK';
  const isHttp = node.key === 'HTTP_GET' || node.key === 'SSL_GET';
  const isDns = node.key === 'DNS_CHECK';
  const delayLoop = own.delayLoop ?? 60;
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
      if (!miscPath) {
        errors.push({ ...at(node), path: node.key, message: 'MISC_CHECK needs misc_path' });
        return [];
      }
      return [{ kind: 'exec', command: tokenizeLine(miscPath), appendTarget: false, ...(extra.dynamicWeight ? { dynamicWeight: true } : {}), ...(extra.user ? { user: extra.user } : {}), ...timing }];
    }
    case 'SMTP_CHECK': {
      // keepalived's dialogue: 220, HELO helo_name, 250, QUIT. Each deprecated host{} block is one more check, all must pass.
      const smtp = { kind: 'smtp', greeting: 'HELO', helo: extra.helo ?? 'smtpchecker.keepalived.org', ...timing };
      if (!hosts.length) return [{ ...smtp, ...common }];
      return hosts.map((h) => {
        const hc: Check = { ...common };
        for (const c of h.children ?? []) {
          if (c.key === 'connect_ip' && net.isIP(c.args[0] ?? '')) hc.host = c.args[0];
          else if (c.key === 'connect_port') hc.port = number(c, errors, 1);
          else if (c.key === 'bindto' || c.key === 'bind_port' || c.key === 'bind_if') warnings.push(`${c.file}:${c.line}: SMTP_CHECK host ${c.key} accepted but not acted on`);
          else errors.push({ ...at(c), path: c.key, message: `unknown SMTP_CHECK host keyword ${c.key}` });
        }
        return { ...smtp, ...hc };
      });
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
        errors.push({ ...at(node), path: node.key, message: `${node.key} needs at least one url { path ... } block` });
        return [];
      }
      if (sniName && own.virtualhost && sniName !== own.virtualhost) warnings.push(`${node.file}:${node.line}: sni_name differs from virtualhost; rsguard sends the virtual host as SNI`);
      return urls.map((u) => urlCheck(node.key === 'SSL_GET' ? 'https' : 'http', u, own.virtualhost ?? sniName, common, timing, errors, warnings));
    }
  }
}

function urlCheck(kind: string, url: KaNode, vhost: string | undefined, common: Check, timing: Check, errors: ConfigIssue[], warnings: string[]): Check {
  const check: Check = { kind, path: '/', ...common, ...timing };
  const status: Array<number | string> = [];
  let regex: string | undefined;
  let invert = false;
  let virtualHost = vhost;
  for (const c of url.children ?? []) {
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
      case 'regex_options':
      case 'regex_stack':
      case 'regex_min_offset':
      case 'regex_max_offset':
        warnings.push(`${c.file}:${c.line}: url ${c.key} accepted but not acted on`);
        break;
      default:
        errors.push({ ...at(c), path: c.key, message: `unknown url keyword ${c.key}` });
    }
  }
  if (status.length) check.expectStatus = status;
  if (regex !== undefined) check[invert ? 'rejectBodyRegex' : 'expectBodyRegex'] = regex;
  if (virtualHost) check.virtualHost = virtualHost;
  // keepalived's SSL_GET verifies no certificate unless an SSL block with a CA is set up.
  if (kind === 'https') check.tlsVerify = false;
  return check;
}
