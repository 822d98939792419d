import { Refused, Unsupported, type Connect } from './haproxy-check-parse.js';
import type { Directive } from './imported.js';

type Check = Record<string, unknown>;

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

/** What a connect rule ends up using: its own options, else with `default` the server line's (tcpcheck_eval_connect). */
export function resolveConnect(c: Connect, srv: ServerCheck, http: boolean): { tls: boolean; sni?: string; alpn?: string; port?: number; addr?: string; h2?: true } {
  const at = c.d ?? { file: '', line: 0 };
  const where = c.d ? `${c.d.key} connect` : 'server';
  const sendProxy = c.sendProxy || (c.default && srv.sendProxy);
  if (sendProxy) throw new Unsupported(at, `${where}: checks sending the PROXY protocol header (send-proxy, check-send-proxy)`, '{ kind: ... } once the server answers checks without the PROXY header');
  if (c.socks4 || (c.default && srv.socks4)) throw new Unsupported(at, `${where}: checks through a SOCKS4 proxy (via-socks4, check-via-socks4)`, '{ kind: ..., host: the server }');
  // init_srv_check (check.c): the server's proto applies to checks of its mode only; check-proto always.
  const httpMode = (p: string) => p !== 'none';
  const srvProto = srv.proto !== undefined && (!srv.protoFromServer || httpMode(srv.proto) === http) ? srv.proto : undefined;
  const proto = c.proto ?? (c.default ? srvProto : undefined);
  // An HTTP check spoken as h2 is rsguard's `version: 2` (h2c, or TLS with ALPN h2); other protocols have no rsguard check.
  const h2 = http && proto === 'h2';
  if (proto !== undefined && proto !== (http ? 'h1' : 'none') && !h2) {
    throw new Unsupported(at, `${where}: checks spoken as ${proto} (proto/check-proto ${proto}); rsguard's HTTP checks speak HTTP/1.1 or h2`, http ? '{ kind: http } on an HTTP/1.1 port' : '{ kind: tcp }');
  }
  const tls = c.ssl || (c.default && srv.ssl);
  const alpn = c.alpn ?? (c.default ? srv.alpn : undefined);
  // ALPN offering both lets the server pick per connection; rsguard's check speaks one version, chosen here.
  const offered = alpn?.split(',') ?? [];
  if (http && tls && offered.includes('h2') && !(h2 || offered.every((a) => a === 'h2'))) throw new Unsupported(at, `${where}: alpn ${alpn} lets the server choose HTTP/2 or HTTP/1.1 for the check; an rsguard check speaks one`, '{ kind: https, version: 2 } or alpn http/1.1');
  const sni = c.sni ?? (c.default ? srv.sni : undefined);
  return { tls, ...(sni ? { sni } : {}), ...(alpn ? { alpn } : {}), ...(c.port !== undefined ? { port: c.port } : {}), ...(c.addr ? { addr: c.addr } : {}), ...(h2 || (http && tls && offered.length > 0 && offered.every((a) => a === 'h2')) ? { h2: true as const } : {}) };
}

/**
 * The TLS fields of a check from the server line (ssl_sock_prepare_srv_ctx):
 * verify against ca-file only, the name checked is the SNI sent, else
 * verifyhost, else none (ssl_sock_srv_verifycbk), the client certificate.
 */
export function tlsFields(srv: ServerCheck, sni: string | undefined, at: Directive): Check {
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

