import { defineProbe, type ProbeKind } from './kind.js';
import { httpCheck, type HttpCheckRequest } from './http-client.js';
import { runWithGot } from './http-got.js';
import { HttpProtocolError } from './http-response-parser.js';
import { hostForUrl, httpSpec, needsBody, type HttpSpec } from './http-spec.js';
import { verdict } from './http-verdict.js';
import { caFile } from './ca-file.js';
import { tlsFiles } from './tls-fields.js';
import { classifyError, fail, failure } from './outcome.js';
import type { ProbeContext, ProbeResult, ProbeTarget } from './types.js';

/**
 * A check sends the same request every round. Embedded mode hands every
 * round the same target object, so the request (and, in httpCheck, its bytes)
 * is built once per check, not once per probe; a spec or scheme change (a
 * reload) builds it again, and a distributed worker's per-job targets are
 * simply collected.
 */
const requests = new WeakMap<ProbeTarget, { scheme: string; spec: HttpSpec; req: HttpCheckRequest }>();

function requestFor(scheme: 'http' | 'https', target: ProbeTarget, spec: HttpSpec): HttpCheckRequest {
  const cached = requests.get(target);
  if (cached && cached.spec === spec && cached.scheme === scheme) return cached.req;
  const req: HttpCheckRequest = {
    tls: scheme === 'https',
    host: target.host,
    port: target.port,
    method: spec.method,
    path: spec.path,
    hostHeader: spec.virtualHost ?? `${hostForUrl(target.host)}:${target.port}`,
    headers: spec.headers,
    tlsVerify: spec.tlsVerify,
    ...(spec.tlsCa ? { ca: caFile(spec.tlsCa) } : {}),
    ...tlsFiles(spec),
    ...(spec.tlsServerName !== undefined ? { servername: spec.tlsServerName } : {}),
    ...(spec.tlsVerifyHost !== undefined ? { verifyHost: spec.tlsVerifyHost } : {}),
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(target.socks4 ? { socks4: target.socks4 } : {}),
    needBody: needsBody(spec),
    maxBodyBytes: spec.maxBodyBytes,
  };
  requests.set(target, { scheme, spec, req });
  return req;
}

/**
 * HTTP checks use the minimal client in http-client.ts (see there for why);
 * `followRedirects: true` goes through got, which resolves and follows
 * Location headers properly.
 */
function runHttp(scheme: 'http' | 'https') {
  return async (target: ProbeTarget, spec: HttpSpec, ctx: ProbeContext): Promise<ProbeResult> => {
    if (spec.followRedirects) return runWithGot(scheme, target, spec, ctx.signal);
    const { deadline } = ctx;
    const startedAt = performance.now();
    try {
      const res = await httpCheck(requestFor(scheme, target, spec), deadline);
      return verdict(spec, startedAt, res.status, res.body, res.truncated);
    } catch (err) {
      if (err instanceof HttpProtocolError && !deadline.aborted) return fail(startedAt, 'protocol', err.message);
      return failure(startedAt, classifyError(err, deadline));
    }
  };
}

export const httpProbe: ProbeKind<typeof httpSpec> = defineProbe({ kind: 'http', spec: httpSpec, socks4: true, run: runHttp('http') });
export const httpsProbeRun = runHttp('https');
