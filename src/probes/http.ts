import { defineProbe, type ProbeKind } from './kind.js';
import { httpCheck, isRedirect, type HttpCheckRequest } from './http-client.js';
import { directHop, followRedirects, redirectable } from './http-redirects.js';
import { httpFailure, judged } from './http-result.js';
import { runHttp2 } from './http2-check.js';
import { hostForUrl, httpSpec, needsBody, needsHeaders, type HttpSpec } from './http-spec.js';
import { headerLines } from './http-headers.js';
import { verdict } from './http-verdict.js';
import { caFile } from './ca-file.js';
import { tlsFiles } from './tls-fields.js';
import type { ProbeContext, ProbeResult, ProbeTarget } from './types.js';

/**
 * A check sends the same request every round. Embedded mode hands every
 * round the same target object, so the request (and, in httpCheck, its bytes)
 * is built once per check, not once per probe; a spec or scheme change (a
 * reload) builds it again, and a distributed worker's per-job targets are
 * simply collected.
 */
interface CheckRequest {
  scheme: string;
  spec: HttpSpec;
  req: HttpCheckRequest;
}

/**
 * The URL asked, which a relative Location is read against (as LWP reads it against the URL ldirectord built
 * from the real server): built when a redirect is followed, not kept per server (1.4 MB at 10,000 servers).
 */
const urlOf = (scheme: 'http' | 'https', target: ProbeTarget, spec: HttpSpec) => `${scheme}://${hostForUrl(target.host)}:${target.port}${spec.path}`;

const requests = new WeakMap<ProbeTarget, CheckRequest>();

function requestFor(scheme: 'http' | 'https', target: ProbeTarget, spec: HttpSpec): CheckRequest {
  const cached = requests.get(target);
  if (cached && cached.spec === spec && cached.scheme === scheme) return cached;
  const req: HttpCheckRequest = {
    tls: scheme === 'https',
    host: target.host,
    port: target.port,
    method: spec.method,
    path: spec.path,
    hostHeader: spec.virtualHost === false ? undefined : (spec.virtualHost ?? `${hostForUrl(target.host)}:${target.port}`),
    ...(spec.version === 1 ? { httpVersion: '1.0' as const } : {}),
    headers: spec.headers,
    tlsVerify: spec.tlsVerify,
    ...(spec.tlsCa ? { ca: caFile(spec.tlsCa) } : {}),
    ...tlsFiles(spec),
    ...(spec.tlsServerName !== undefined ? { servername: spec.tlsServerName } : {}),
    ...(spec.tlsVerifyHost !== undefined ? { verifyHost: spec.tlsVerifyHost } : {}),
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(target.socks4 ? { socks4: target.socks4 } : {}),
    needBody: needsBody(spec),
    ...(needsHeaders(spec) ? { needHeaders: true } : {}),
    maxBodyBytes: spec.maxBodyBytes,
  };
  const check = { scheme, spec, req };
  requests.set(target, check);
  return check;
}

/**
 * HTTP checks use the minimal client in http-client.ts (see there for why);
 * `followRedirects: true` follows redirects on it too, as LWP does for
 * ldirectord (http-redirects.ts), inside the probe's one deadline.
 */
function runHttp(scheme: 'http' | 'https') {
  return async (target: ProbeTarget, spec: HttpSpec, ctx: ProbeContext): Promise<ProbeResult> => {
    if (spec.version === 2) return runHttp2(scheme, target, spec, ctx);
    const { deadline } = ctx;
    const startedAt = performance.now();
    try {
      const { req } = requestFor(scheme, target, spec);
      const follow = spec.followRedirects && redirectable(req.method);
      const res = await httpCheck(req, deadline, follow);
      if (!spec.followRedirects || !isRedirect(res.status)) return verdict(spec, startedAt, res.status, res.body, res.truncated, res.head !== undefined ? headerLines(res.head) : undefined);
      return judged(spec, startedAt, await followRedirects(res, req, urlOf(scheme, target, spec), deadline, spec.maxRedirects, directHop));
    } catch (err) {
      return httpFailure(startedAt, err, deadline);
    }
  };
}

export const httpProbe: ProbeKind<typeof httpSpec> = defineProbe({ kind: 'http', spec: httpSpec, socks4: true, run: runHttp('http') });
export const httpsProbeRun = runHttp('https');
