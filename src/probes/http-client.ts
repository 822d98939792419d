import net from 'node:net';
import tls from 'node:tls';
import { HttpResponseParser, type ParsedResponse } from './http-response-parser.js';
import { exchange, type ExchangeHandlers } from '../lib/socket-exchange.js';
import { openCheckConn, SocketConn } from '../lib/socket-conn.js';
import { Socks4Conn, type Socks4Via } from '../lib/socks4.js';
import { connectTls as connectTlsSafely } from './tls-fields.js';
import type { Abortable } from '../lib/deadline.js';
import type { CheckConn, CheckConnHandlers } from '../lib/check-conn.js';

/**
 * A minimal HTTP/1.1 client for health checks: one request per connection,
 * `Connection: close`, as HAProxy and keepalived check. It exists because the
 * general clients cost too much per check at thousands of checks a second;
 * measured on this machine against one nginx at 1000 requests/s
 * (CPU-seconds per 1000 requests, client process): got 0.61, undici 0.58,
 * node:http 0.29, this 0.14 (a bare TCP connect is 0.10).
 */
export interface HttpCheckRequest {
  tls: boolean;
  host: string;
  port: number;
  method: string;
  path: string;
  /** Host header (none when undefined, as HAProxy's checks without one); also the TLS SNI name when it is not an IP. */
  hostHeader: string | undefined;
  /** The request line's version (default 1.1). */
  httpVersion?: '1.0' | '1.1';
  headers: Record<string, string>;
  tlsVerify: boolean;
  /** PEM CA bundle (contents), instead of the system's. */
  ca?: string;
  /** SNI, when not the Host header's name; false: none. */
  servername?: string | false;
  /** The name the certificate must carry when no SNI is sent (default the address); false: the chain only. */
  verifyHost?: string | false;
  /** Client certificate and key, CRL (PEM contents). */
  cert?: string;
  key?: string;
  passphrase?: string;
  crl?: string;
  /** Request body, sent with its Content-Length. */
  body?: string;
  /** Through this SOCKS4 proxy (TLS, if any, over the granted tunnel). */
  socks4?: Socks4Via;
  /** Read the body (else the answer comes as soon as the headers are in). */
  needBody: boolean;
  /** Keep the response head (rules on its headers). */
  needHeaders?: boolean;
  maxBodyBytes: number;
}

export function buildRequest(req: HttpCheckRequest): string {
  let head = `${req.method} ${req.path} HTTP/${req.httpVersion ?? '1.1'}\r\n${req.hostHeader !== undefined ? `Host: ${req.hostHeader}\r\n` : ''}User-Agent: rsguard\r\nAccept: */*\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(req.headers)) {
    if (/[\r\n]/.test(name + value)) continue; // never let a config value split the request
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'connection') continue;
    head += `${name}: ${value}\r\n`;
  }
  // HAProxy adds Content-Length for a body whatever the method (http-check send body).
  if (req.body !== undefined) return `${head}Content-Length: ${Buffer.byteLength(req.body)}\r\n\r\n${req.body}`;
  if (req.method === 'POST') head += 'Content-Length: 0\r\n';
  return `${head}\r\n`;
}

/** The bytes of each request, kept as long as its request object (see requestFor in http.ts). */
const requestBytes = new WeakMap<HttpCheckRequest, Buffer>();

function bytesOf(req: HttpCheckRequest): Buffer {
  let bytes = requestBytes.get(req);
  if (!bytes) requestBytes.set(req, (bytes = Buffer.from(buildRequest(req))));
  return bytes;
}

function connectTls(req: HttpCheckRequest, tunnel?: net.Socket): tls.TLSSocket {
  const hostName = (req.hostHeader ?? req.host).replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const sni = req.servername === false ? undefined : (req.servername ?? (net.isIP(hostName) ? undefined : hostName));
  // With verification on, the name checked is the SNI name when one is sent (as HAProxy's ssl_sock_srv_verifycbk), else verifyHost or the address.
  const verifyName = sni ?? req.verifyHost ?? hostName;
  return connectTlsSafely({
    ...(tunnel ? { socket: tunnel } : { host: req.host, port: req.port }),
    servername: sni,
    rejectUnauthorized: req.tlsVerify,
    ...(req.ca ? { ca: req.ca } : {}),
    ...(req.cert ? { cert: req.cert, key: req.key, ...(req.passphrase !== undefined ? { passphrase: req.passphrase } : {}) } : {}),
    ...(req.crl ? { crl: req.crl } : {}),
    ALPNProtocols: ['http/1.1'],
    checkServerIdentity: (_host, cert) => (verifyName === false ? undefined : tls.checkServerIdentity(verifyName, cert)),
  });
}

/** The statuses LWP::UserAgent follows (request(): 301, 302, 303, 307, 308). */
export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/**
 * One request, one response. `redirects`: keep Location (and the response's
 * base), and answer a redirect as soon as its head is in: a hop's body is
 * never judged, so it is not read.
 */
export function httpCheck(req: HttpCheckRequest, signal: Abortable, redirects = false): Promise<ParsedResponse> {
  const answer = new HttpAnswer(req, new HttpResponseParser(req.method === 'HEAD', req.maxBodyBytes, redirects, req.needHeaders === true), redirects);
  return exchange((h) => answer.open(h), signal, answer);
}

/**
 * One request's side of the exchange, a class rather than closures (what a
 * check allocates is what the young collector pays for): the connection
 * (plain, TLS, through SOCKS4), the request bytes, and the parser's answer
 * once it has what the check needs.
 */
class HttpAnswer implements ExchangeHandlers<ParsedResponse> {
  constructor(
    private readonly req: HttpCheckRequest,
    private readonly parser: HttpResponseParser,
    private readonly redirects: boolean,
  ) {}

  open(h: CheckConnHandlers): CheckConn {
    const req = this.req;
    if (req.socks4) return new Socks4Conn(req.socks4, req.host, req.port, h, req.tls ? (tunnel) => connectTls(req, tunnel) : undefined);
    return req.tls ? new SocketConn(connectTls(req), 'secureConnect', h) : openCheckConn(req.host, req.port, h, true);
  }

  request(): Buffer {
    return bytesOf(this.req);
  }

  /** All of it, or the head when the body is not judged (or a redirect's, whose body is never read). */
  data(chunk: Buffer): ParsedResponse | undefined {
    const p = this.parser;
    p.push(chunk);
    return p.done || (p.headDone && (!this.req.needBody || (this.redirects && isRedirect(p.status)))) ? p.result() : undefined;
  }

  end(): ParsedResponse {
    this.parser.end();
    return this.parser.result();
  }
}
