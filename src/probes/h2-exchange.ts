import http2 from 'node:http2';
import tls from 'node:tls';
import type { Deadline } from '../lib/deadline.js';
import { caFile } from './ca-file.js';
import { hostForUrl } from './http-spec.js';
import { LocalFault } from './outcome.js';
import { tlsFiles, type TlsExtra } from './tls-fields.js';
import type { ProbeTarget } from './types.js';

/** How an HTTP/2 check connects: h2c with prior knowledge, or TLS with ALPN h2 and the check's TLS fields. */
export interface H2Connect extends TlsExtra {
  tls: boolean;
  tlsVerify: boolean;
  tlsCa?: string | undefined;
}

export interface H2Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
  /** More than maxBody bytes came: the rest was not read. */
  truncated: boolean;
}

/** A body over maxBody with overflow 'fail' is the server's fault (a gRPC answer is small); 'truncate' keeps the first maxBody bytes (HTTP). */
export class H2BodyTooLarge extends Error {
  override name = 'H2BodyTooLarge';
}

function session(target: ProbeTarget, c: H2Connect): http2.ClientHttp2Session {
  const origin = `${c.tls ? 'https' : 'http'}://${hostForUrl(target.host)}:${target.port}`;
  if (!c.tls) return http2.connect(origin);
  const named = c.tlsServerName;
  const sni = named === false || named === undefined ? undefined : named;
  const verifyName = sni ?? c.tlsVerifyHost ?? target.host;
  try {
    return http2.connect(origin, {
      rejectUnauthorized: c.tlsVerify,
      servername: sni ?? '',
      ...(c.tlsCa ? { ca: caFile(c.tlsCa) } : {}),
      ...tlsFiles(c),
      checkServerIdentity: (_h: string, cert: tls.PeerCertificate) => (verifyName === false ? undefined : tls.checkServerIdentity(verifyName, cert)),
    });
  } catch (err) {
    if (err instanceof LocalFault) throw err;
    // Thrown before any byte leaves: this host's key, certificate or passphrase.
    throw new LocalFault(`cannot set up the TLS client (certificate, key, passphrase or CA): ${(err as Error).message}`);
  }
}

/**
 * One request on a fresh HTTP/2 connection (a check must see a server that no
 * longer accepts, so nothing is pooled), bounded by the deadline and by
 * maxBody, the session torn down when it ends either way.
 */
export function h2Exchange(
  target: ProbeTarget,
  c: H2Connect,
  headers: http2.OutgoingHttpHeaders,
  body: Buffer | string | undefined,
  deadline: Deadline,
  maxBody: number,
  overflow: 'fail' | 'truncate',
): Promise<H2Answer> {
  return new Promise<H2Answer>((resolve, reject) => {
    let s: http2.ClientHttp2Session | undefined;
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const done = (err: Error | undefined, truncated = false) => {
      if (settled) return;
      settled = true;
      deadline.off(onAbort);
      s?.destroy();
      if (err) reject(err);
      else resolve({ status: Number(head[':status'] ?? 0), headers: head, trailers, body: Buffer.concat(chunks), truncated });
    };
    const onAbort = () => done(new Error('timed out'));
    deadline.on(onAbort);
    if (deadline.aborted) return onAbort();
    try {
      s = session(target, c);
    } catch (err) {
      return done(err as Error);
    }
    s.on('error', (err) => done(err));
    const req = s.request(headers, { endStream: body === undefined });
    req.on('response', (h) => (head = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (chunk: Buffer) => {
      if (size + chunk.length > maxBody) {
        if (overflow === 'fail') return done(new H2BodyTooLarge(`response body over ${maxBody} bytes`));
        chunks.push(chunk.subarray(0, maxBody - size));
        size = maxBody;
        return done(undefined, true);
      }
      size += chunk.length;
      chunks.push(chunk);
    });
    // A stream cancelled because its connection failed carries the connection's error (ECONNREFUSED...) as its cause.
    req.on('error', (err: Error & { code?: string; cause?: unknown }) => done(err.code === 'ERR_HTTP2_STREAM_CANCEL' && err.cause instanceof Error ? err.cause : err));
    req.on('end', () => done(undefined));
    if (body !== undefined) req.end(body);
  });
}
