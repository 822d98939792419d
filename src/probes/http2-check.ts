import net from 'node:net';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { HeaderLine } from './http-headers.js';
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
  // virtualHost false would be no :authority (HAProxy's h2 checks without a Host header), but node's HTTP/2 client
  // always adds the session's: the one place an imported h2 check asks more than HAProxy does (docs/mapping.md).
  const authority = spec.virtualHost === false ? undefined : (spec.virtualHost ?? `${hostForUrl(target.host)}:${target.port}`);
  const headers: OutgoingHttpHeaders = { ':method': spec.method, ':path': spec.path, ...(authority ? { ':authority': authority } : {}), 'user-agent': 'rsguard' };
  for (const [k, v] of Object.entries(spec.headers)) if (!NOT_IN_H2.has(k.toLowerCase())) headers[k.toLowerCase()] = v;
  if (spec.body !== undefined) headers['content-length'] = Buffer.byteLength(spec.body);
  // SNI as the HTTP/1.1 client sends it: the virtual host when it is a name.
  const vhostName = (spec.virtualHost || undefined)?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const tlsServerName = spec.tlsServerName ?? (vhostName && !net.isIP(vhostName) ? vhostName : undefined);
  try {
    const res = await h2Exchange(target, { ...spec, tls: scheme === 'https', tlsServerName }, headers, spec.body, ctx.deadline, spec.maxBodyBytes, 'truncate');
    return verdict(spec, startedAt, res.status, res.body, res.truncated, h2HeaderLines(res.headers));
  } catch (err) {
    return failure(startedAt, classifyError(err, ctx.deadline));
  }
}

/** HTTP/2 headers as the header rules read HTTP/1.1 lines: one line per value, names lower case, pseudo-headers left out. */
function h2HeaderLines(headers: IncomingHttpHeaders): HeaderLine[] {
  const out: HeaderLine[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push({ name, value: String(v).trim() });
  }
  return out;
}
