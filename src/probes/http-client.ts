import net from 'node:net';
import tls from 'node:tls';
import { HttpResponseParser, type ParsedResponse } from './http-response-parser.js';
import { exchange } from '../lib/socket-exchange.js';
import { openCheckConn, SocketConn } from '../lib/socket-conn.js';
import { Socks4Conn, type Socks4Via } from '../lib/socks4.js';
import { connectTls as connectTlsSafely } from './tls-fields.js';
import { offAbort, onAbort, type Abortable } from '../lib/deadline.js';
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
  const parser = new HttpResponseParser(req.method === 'HEAD', req.maxBodyBytes, redirects, req.needHeaders === true);
  if (!req.socks4 && !req.tls) return new Promise((resolve, reject) => new PlainHttpCheck(req, parser, redirects, signal, resolve, reject).open());
  const via = req.socks4;
  const open = via
    ? (h: CheckConnHandlers) => new Socks4Conn(via, req.host, req.port, h, req.tls ? (tunnel) => connectTls(req, tunnel) : undefined)
    : (h: CheckConnHandlers) => new SocketConn(connectTls(req), 'secureConnect', h);
  return exchange(open, signal, {
    request: () => bytesOf(req),
    data: (chunk) => {
      parser.push(chunk);
      return answered(parser, req, redirects) ? parser.result() : undefined;
    },
    end: () => {
      parser.end();
      return parser.result();
    },
  });
}

/** Whether the parser has what the check needs: all of it, or the head when the body is not judged (or a redirect's). */
function answered(parser: HttpResponseParser, req: HttpCheckRequest, redirects: boolean): boolean {
  return parser.done || (parser.headDone && (!req.needBody || (redirects && isRedirect(parser.status))));
}

/**
 * A plain HTTP check (no TLS, no SOCKS4: nearly all of them) as one object
 * per probe, its connection handlers methods: exchange() and settleOnce()
 * make a dozen closures and three contexts per request, and what a check
 * allocates is what the young collector pays for, a quarter of the main
 * thread's time at thousands of checks a second. The same outcomes as
 * exchange() with httpCheck's handlers: the request once connected, the
 * parser's result once answered, its error on bad bytes or a cut answer,
 * the signal's reason at the deadline; the connection closed whichever way.
 */
class PlainHttpCheck implements CheckConnHandlers {
  private settled = false;
  private conn: CheckConn | undefined;
  /** The signal's listener: the one closure of the probe. */
  private readonly abortNow = () => this.settle(this.signal.reason ?? new Error('aborted'));

  constructor(
    private readonly req: HttpCheckRequest,
    private readonly parser: HttpResponseParser,
    private readonly redirects: boolean,
    private readonly signal: Abortable,
    private readonly resolve: (r: ParsedResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  open(): void {
    if (this.signal.aborted) return this.abortNow();
    onAbort(this.signal, this.abortNow);
    this.conn = openCheckConn(this.req.host, this.req.port, this, true);
  }

  private settle(err: unknown, value?: ParsedResponse): void {
    if (this.settled) return;
    this.settled = true;
    offAbort(this.signal, this.abortNow);
    this.conn?.close();
    if (err) this.reject(err);
    else this.resolve(value!);
  }

  connect(): void {
    this.conn!.write(bytesOf(this.req));
  }

  data(chunk: Buffer): void {
    try {
      this.parser.push(chunk);
      if (answered(this.parser, this.req, this.redirects)) this.settle(undefined, this.parser.result());
    } catch (err) {
      this.settle(err);
    }
  }

  end(): void {
    try {
      this.parser.end();
      this.settle(undefined, this.parser.result());
    } catch (err) {
      this.settle(err);
    }
  }

  error(err: Error): void {
    this.settle(err);
  }
}
