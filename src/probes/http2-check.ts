import net from 'node:net';
import type { OutgoingHttpHeaders } from 'node:http2';
import { h2Exchange } from './h2-exchange.js';
import { hostForUrl, type HttpSpec } from './http-spec.js';
import { verdict } from './http-verdict.js';
import { classifyError, failure } from './outcome.js';
import type { ProbeContext, ProbeResult, ProbeTarget } from './types.js';

/** Headers HTTP/2 forbids (RFC 9113 8.2.2) or carries as pseudo-headers: a check's `headers` may name them for HTTP/1.1. */
const NOT_IN_H2 = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/**
 * An http/https check with `version: 2`: the same request and the same verdict
 * as HTTP/1.1, over h2c with prior knowledge (http) or TLS with ALPN h2 only
 * (https), so a server that cannot speak HTTP/2 is down, as HAProxy's
 * `check-proto h2` sees it.
 */
export async function runHttp2(scheme: 'http' | 'https', target: ProbeTarget, spec: HttpSpec, ctx: ProbeContext): Promise<ProbeResult> {
  const startedAt = performance.now();
  const authority = spec.virtualHost ?? `${hostForUrl(target.host)}:${target.port}`;
  const headers: OutgoingHttpHeaders = { ':method': spec.method, ':path': spec.path, ':authority': authority, 'user-agent': 'rsguard' };
  for (const [k, v] of Object.entries(spec.headers)) if (!NOT_IN_H2.has(k.toLowerCase())) headers[k.toLowerCase()] = v;
  if (spec.body !== undefined) headers['content-length'] = Buffer.byteLength(spec.body);
  // SNI as the HTTP/1.1 client sends it: the virtual host when it is a name.
  const vhostName = spec.virtualHost?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const tlsServerName = spec.tlsServerName ?? (vhostName && !net.isIP(vhostName) ? vhostName : undefined);
  try {
    const res = await h2Exchange(target, { ...spec, tls: scheme === 'https', tlsServerName }, headers, spec.body, ctx.deadline, spec.maxBodyBytes, 'truncate');
    return verdict(spec, startedAt, res.status, res.body, res.truncated);
  } catch (err) {
    return failure(startedAt, classifyError(err, ctx.deadline));
  }
}
