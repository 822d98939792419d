import { z } from 'zod';
import { httpCheck } from './http-client.js';
import { HttpProtocolError } from './http-response-parser.js';
import { httpSpec, needsBody, type HttpSpec } from './http-spec.js';
import { verdict } from './http-verdict.js';
import { defineProbe } from './kind.js';
import { classifyError, fail, failure } from './outcome.js';
import type { ProbeResult } from './types.js';

export const httpProxySpec = z
  .object({
    /** Fetched through the real server acting as a proxy (ldirectord http_proxy `request`). */
    url: z.string().url().refine((u) => u.startsWith('http://'), 'an http:// URL (the proxy is asked in absolute form)'),
    method: z.enum(['GET', 'HEAD']).default('GET'),
    expectStatus: httpSpec.shape.expectStatus,
    expectBodyRegex: httpSpec.shape.expectBodyRegex,
    maxBodyBytes: httpSpec.shape.maxBodyBytes,
  })
  .strict();

/** The http spec's defaults, parsed once: the verdict reads an http spec, and a schema parse per check would be work on the probe path. */
const HTTP_DEFAULTS = httpSpec.parse({});

/** ldirectord's http_proxy: the real server is a forward proxy; a 2xx for `url` (and `receive`) through it is up. */
export const httpProxyProbe = defineProbe({
  kind: 'http_proxy',
  spec: httpProxySpec,
  run: async (target, spec, { signal }): Promise<ProbeResult> => {
    const startedAt = performance.now();
    const http: HttpSpec = { ...HTTP_DEFAULTS, method: spec.method, expectStatus: spec.expectStatus, maxBodyBytes: spec.maxBodyBytes, ...(spec.expectBodyRegex ? { expectBodyRegex: spec.expectBodyRegex } : {}) };
    try {
      const url = new URL(spec.url);
      const res = await httpCheck(
        { tls: false, host: target.host, port: target.port, method: spec.method, path: url.href, hostHeader: url.host, headers: {}, tlsVerify: true, needBody: needsBody(http), maxBodyBytes: spec.maxBodyBytes },
        signal,
      );
      return verdict(http, startedAt, res.status, res.body, res.truncated);
    } catch (err) {
      if (err instanceof HttpProtocolError && !signal.aborted) return fail(startedAt, 'protocol', err.message);
      return failure(startedAt, classifyError(err, signal));
    }
  },
});
