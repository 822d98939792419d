import { z } from 'zod';
import { GrpcFrameError, healthRequestFrame, healthStatusOf, SERVING_STATUS } from './grpc-health-message.js';
import { H2BodyTooLarge, h2Exchange } from './h2-exchange.js';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure, pass, snippet } from './outcome.js';
import { tlsExtraFields } from './tls-fields.js';
import type { ProbeResult } from './types.js';

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

/** A response body larger than this is not a HealthCheckResponse: a hostile or confused server is cut off. */
const MAX_BODY = 16 * 1024;
const PATH = '/grpc.health.v1.Health/Check';

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
      const headers = { ':method': 'POST', ':path': PATH, ...(spec.authority ? { ':authority': spec.authority } : {}), 'content-type': 'application/grpc', te: 'trailers', 'user-agent': 'rsguard' };
      const res = await h2Exchange(target, spec, headers, healthRequestFrame(spec.service), ctx.deadline, MAX_BODY, 'fail');
      // A trailers-only answer carries grpc-status in the headers.
      const pick = (k: string) => (res.trailers[k] ?? res.headers[k]) as string | undefined;
      const a = { status: res.status, grpcStatus: pick('grpc-status'), grpcMessage: pick('grpc-message'), contentType: res.headers['content-type'], body: res.body };
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
      if ((err instanceof GrpcFrameError || err instanceof H2BodyTooLarge) && !ctx.deadline.aborted) return fail(startedAt, 'protocol', err.message);
      return failure(startedAt, classifyError(err, ctx.deadline));
    }
  },
});
