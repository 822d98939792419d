import { z } from 'zod';
import { httpCheck, isRedirect, type HttpCheckRequest } from './http-client.js';
import { httpFailure, judged } from './http-result.js';
import { directHop, followRedirects, redirectable, referralHeaders, type NextHop } from './http-redirects.js';
import { httpSpec, needsBody, type HttpSpec } from './http-spec.js';
import { verdict } from './http-verdict.js';
import { defineProbe } from './kind.js';
import type { ProbeResult, ProbeTarget } from './types.js';

export const httpProxySpec = z
  .object({
    /** Fetched through the real server acting as a proxy (ldirectord http_proxy `request`). */
    url: z.string().url().refine((u) => u.startsWith('http://'), 'an http:// URL (the proxy is asked in absolute form)'),
    method: z.enum(['GET', 'HEAD']).default('GET'),
    expectStatus: httpSpec.shape.expectStatus,
    expectBodyRegex: httpSpec.shape.expectBodyRegex,
    maxBodyBytes: httpSpec.shape.maxBodyBytes,
    /** As LWP does for ldirectord: an http URL through the proxy again, an https one directly (LWP has the proxy for http only). */
    followRedirects: httpSpec.shape.followRedirects,
    maxRedirects: httpSpec.shape.maxRedirects,
  })
  .strict();

/** The http spec's defaults, parsed once: the verdict reads an http spec, and a schema parse per check would be work on the probe path. */
const HTTP_DEFAULTS = httpSpec.parse({});

/** An absolute-form request for `url` to the proxy (a fragment is never sent). */
function proxied(target: ProbeTarget, url: URL, from: Pick<HttpCheckRequest, 'method' | 'headers' | 'needBody' | 'maxBodyBytes'>): HttpCheckRequest {
  return { ...from, tls: false, host: target.host, port: target.port, path: `${url.origin}${url.pathname}${url.search}`, hostHeader: url.host, tlsVerify: true };
}

/**
 * The next hop of a proxy check, as ldirectord's LWP takes it: an http URL
 * through the same proxy, an https one directly (`$ua->proxy("http", ...)`
 * only), verifying the chain but not the name as the ldirectord https import does.
 */
function proxyHop(target: ProbeTarget): NextHop {
  return (url, from) => {
    if (url.protocol === 'http:') return proxied(target, url, { ...from, headers: referralHeaders(url, from.headers) });
    return directHop(url, { ...from, tlsVerify: true, verifyHost: false });
  };
}

/** ldirectord's http_proxy: the real server is a forward proxy; a 2xx for `url` (and `receive`) through it is up. */
export const httpProxyProbe = defineProbe({
  kind: 'http_proxy',
  spec: httpProxySpec,
  run: async (target, spec, { deadline }): Promise<ProbeResult> => {
    const startedAt = performance.now();
    const http: HttpSpec = { ...HTTP_DEFAULTS, method: spec.method, expectStatus: spec.expectStatus, maxBodyBytes: spec.maxBodyBytes, ...(spec.expectBodyRegex ? { expectBodyRegex: spec.expectBodyRegex } : {}) };
    try {
      const url = new URL(spec.url);
      const req = proxied(target, url, { method: spec.method, headers: {}, needBody: needsBody(http), maxBodyBytes: spec.maxBodyBytes });
      const res = await httpCheck(req, deadline, spec.followRedirects && redirectable(req.method));
      if (!spec.followRedirects || !isRedirect(res.status)) return verdict(http, startedAt, res.status, res.body, res.truncated);
      return judged(http, startedAt, await followRedirects(res, req, url.href, deadline, spec.maxRedirects, proxyHop(target)));
    } catch (err) {
      return httpFailure(startedAt, err, deadline);
    }
  },
});
