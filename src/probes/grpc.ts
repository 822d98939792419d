import http2 from 'node:http2';
import tls from 'node:tls';
import { z } from 'zod';
import { caFile } from './ca-file.js';
import { GrpcFrameError, healthRequestFrame, healthStatusOf, SERVING_STATUS } from './grpc-health-message.js';
import { hostForUrl } from './http-spec.js';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, LocalFault, pass, snippet } from './outcome.js';
import { tlsExtraFields, tlsFiles } from './tls-fields.js';
import type { ProbeContext, ProbeResult, ProbeTarget } from './types.js';

export const grpcSpec = z
  .object({
    /** The service asked about; '' (default) asks for the server as a whole, as grpc_health_probe does. */
    service: z.string().default(''),
    /** TLS (h2 through ALPN); without it h2c with prior knowledge, as gRPC clients speak plain. */
    tls: z.boolean().default(false),
    /** Check the server's certificate (default) when `tls`. */
    tlsVerify: z.boolean().default(true),
    tlsCa: z.string().startsWith('/', 'must be an absolute path').optional(),
    ...tlsExtraFields,
    /** The :authority sent (a virtual host); default the address and port. */
    authority: z.string().min(1).optional(),
  })
  .strict();
type GrpcSpec = z.output<typeof grpcSpec>;

/** A response body larger than this is not a HealthCheckResponse: a hostile or confused server is cut off. */
const MAX_BODY = 16 * 1024;
const PATH = '/grpc.health.v1.Health/Check';

function connect(target: ProbeTarget, spec: GrpcSpec): http2.ClientHttp2Session {
  const origin = `${spec.tls ? 'https' : 'http'}://${hostForUrl(target.host)}:${target.port}`;
  if (!spec.tls) return http2.connect(origin);
  const named = spec.tlsServerName;
  const sni = named === false || named === undefined ? undefined : named;
  const verifyName = sni ?? spec.tlsVerifyHost ?? target.host;
  try {
    return http2.connect(origin, {
      rejectUnauthorized: spec.tlsVerify,
      ...(sni ? { servername: sni } : { servername: '' }),
      ...(spec.tlsCa ? { ca: caFile(spec.tlsCa) } : {}),
      ...tlsFiles(spec),
      checkServerIdentity: (_h: string, cert: tls.PeerCertificate) => (verifyName === false ? undefined : tls.checkServerIdentity(verifyName, cert)),
    });
  } catch (err) {
    if (err instanceof LocalFault) throw err;
    // Thrown before any byte leaves: this host's key, certificate or passphrase.
    throw new LocalFault(`cannot set up the TLS client (certificate, key, passphrase or CA): ${(err as Error).message}`);
  }
}

interface Answer {
  status: number;
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
  contentType: string | undefined;
  body: Buffer;
}

function ask(target: ProbeTarget, spec: GrpcSpec, ctx: ProbeContext): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    let session: http2.ClientHttp2Session | undefined;
    let settled = false;
    const done = (err: Error | undefined, answer?: Answer) => {
      if (settled) return;
      settled = true;
      ctx.deadline.off(onAbort);
      session?.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const onAbort = () => done(new Error('timed out'));
    ctx.deadline.on(onAbort);
    if (ctx.deadline.aborted) return onAbort();
    try {
      session = connect(target, spec);
    } catch (err) {
      return done(err as Error);
    }
    session.on('error', (err) => done(err));
    const req = session.request({
      ':method': 'POST',
      ':path': PATH,
      ...(spec.authority ? { ':authority': spec.authority } : {}),
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': 'rsguard',
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => (head = h));
    req.on('trailers', (t) => (trailers = t));
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) return done(new GrpcFrameError(`response body over ${MAX_BODY} bytes`));
      chunks.push(chunk);
    });
    // A stream cancelled because its connection failed carries the connection's error (ECONNREFUSED...) as its cause.
    req.on('error', (err: Error & { code?: string; cause?: unknown }) => done(err.code === 'ERR_HTTP2_STREAM_CANCEL' && err.cause instanceof Error ? err.cause : err));
    req.on('end', () => {
      // A trailers-only response carries grpc-status in the headers.
      const pick = (k: string) => (trailers[k] ?? head[k]) as string | undefined;
      done(undefined, { status: Number(head[':status'] ?? 0), grpcStatus: pick('grpc-status'), grpcMessage: pick('grpc-message'), contentType: head['content-type'], body: Buffer.concat(chunks) });
    });
    req.end(healthRequestFrame(spec.service));
  });
}

/** grpc-message is percent-encoded; a server that gets that wrong still gets its text shown. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const GRPC_CODES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

/**
 * The gRPC health checking protocol (grpc.health.v1.Health/Check), as
 * grpc_health_probe and Kubernetes' gRPC probes ask it: SERVING is up;
 * NOT_SERVING, SERVICE_UNKNOWN, UNKNOWN, a non-OK grpc-status (NOT_FOUND for
 * an unknown service, UNIMPLEMENTED for a server without the health service)
 * and a malformed answer are down, with the status in the detail.
 */
export const grpcProbe = defineProbe({
  kind: 'grpc',
  spec: grpcSpec,
  run: async (target, spec, ctx): Promise<ProbeResult> => {
    const startedAt = performance.now();
    const what = spec.service ? `service ${JSON.stringify(spec.service)}` : 'server';
    try {
      const a = await ask(target, spec, ctx);
      if (a.status !== 200) return fail(startedAt, 'status', `HTTP/2 status ${a.status}`);
      if (!a.contentType?.startsWith('application/grpc')) return fail(startedAt, 'protocol', `content-type ${snippet(String(a.contentType))}, not application/grpc`);
      if (a.grpcStatus === undefined) return fail(startedAt, 'protocol', 'no grpc-status in the answer');
      if (a.grpcStatus !== '0') {
        const code = GRPC_CODES[Number(a.grpcStatus)] ?? a.grpcStatus;
        return fail(startedAt, 'status', `${what}: grpc-status ${snippet(a.grpcStatus, 8)} ${code}${a.grpcMessage ? `: ${snippet(percentDecoded(a.grpcMessage))}` : ''}`);
      }
      const status = healthStatusOf(a.body);
      const name = SERVING_STATUS[status] ?? `status ${status}`;
      return status === 1 ? pass(startedAt, `${what} ${name}`) : fail(startedAt, 'status', `${what} ${name}`);
    } catch (err) {
      if (err instanceof GrpcFrameError && !ctx.deadline.aborted) return fail(startedAt, 'protocol', err.message);
      return failure(startedAt, classifyError(err, ctx.deadline));
    }
  },
});
