import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import got from 'got';
import { z } from 'zod';
import { defineProbe, type ProbeKind } from './kind.js';
import { classifyError, fail, pass, snippet } from './outcome.js';
import { compiled, regexError } from './regex-cache.js';
import { statusItem, statusMatches } from './status-codes.js';
import type { ProbeContext, ProbeResult, ProbeTarget } from './types.js';

const DEFAULT_MAX_BODY = 64 * 1024;

const regex = z.string().min(1).superRefine((p, ctx) => {
  const err = regexError(p);
  if (err) ctx.addIssue({ code: 'custom', message: `invalid regex: ${err}` });
});

export const httpSpec = z
  .object({
    method: z.enum(['GET', 'HEAD', 'POST', 'OPTIONS']).default('GET'),
    path: z.string().startsWith('/').default('/'),
    /** Host header and TLS SNI (ldirectord `virtualhost`, keepalived url `virtualhost`). */
    virtualHost: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).default({}),
    /** Accepted status codes; keepalived's default is 200-299. */
    expectStatus: z.array(statusItem).min(1).default(['200-299']),
    /** The body must contain this string (ldirectord `receive` is a regex: use expectBodyRegex). */
    expectBody: z.string().min(1).optional(),
    expectBodyRegex: regex.optional(),
    /** The body must not contain / match these (keepalived `regex_no_match`, blackbox `fail_if_body_matches_regexp`). */
    rejectBody: z.string().min(1).optional(),
    rejectBodyRegex: regex.optional(),
    /** MD5 of the whole body, hex, like keepalived's `digest` from genhash. */
    digest: z.string().regex(/^[0-9a-fA-F]{32}$/, 'expected 32 hex digits (an MD5 digest)').transform((d) => d.toLowerCase()).optional(),
    /** Bytes of body read at most; HAProxy inspects only tune.bufsize (16 KiB) too. */
    maxBodyBytes: z.number().int().min(1).max(16 * 1024 * 1024).default(DEFAULT_MAX_BODY),
    /** Verify the server certificate (https). ldirectord never does; here it is on unless turned off. */
    tlsVerify: z.boolean().default(true),
    followRedirects: z.boolean().default(false),
  })
  .strict();

export type HttpSpec = z.output<typeof httpSpec>;

/**
 * Health checks open a fresh connection each time, as HAProxy and keepalived
 * do: a pooled keep-alive socket would hide a server that no longer accepts.
 */
const agents = {
  http: new http.Agent({ keepAlive: false, maxSockets: Infinity }),
  https: new https.Agent({ keepAlive: false, maxSockets: Infinity }),
};

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function needsBody(spec: HttpSpec): boolean {
  return spec.method !== 'HEAD' && Boolean(spec.expectBody || spec.expectBodyRegex || spec.rejectBody || spec.rejectBodyRegex || spec.digest);
}

function judgeBody(spec: HttpSpec, body: Buffer, truncated: boolean): { ok: true } | { ok: false; detail: string } {
  if (spec.digest) {
    if (truncated) return { ok: false, detail: `body larger than maxBodyBytes (${spec.maxBodyBytes}); digest needs all of it` };
    const got = createHash('md5').update(body).digest('hex');
    if (got !== spec.digest) return { ok: false, detail: `digest ${got} != ${spec.digest}` };
  }
  const text = body.toString('utf8');
  if (spec.expectBody && !text.includes(spec.expectBody)) return { ok: false, detail: `body lacks ${JSON.stringify(snippet(spec.expectBody, 40))}` };
  if (spec.expectBodyRegex && !compiled(spec.expectBodyRegex).test(text)) return { ok: false, detail: `body does not match /${snippet(spec.expectBodyRegex, 40)}/` };
  if (spec.rejectBody && text.includes(spec.rejectBody)) return { ok: false, detail: `body contains ${JSON.stringify(snippet(spec.rejectBody, 40))}` };
  if (spec.rejectBodyRegex && compiled(spec.rejectBodyRegex).test(text)) return { ok: false, detail: `body matches /${snippet(spec.rejectBodyRegex, 40)}/` };
  return { ok: true };
}

function runHttp(scheme: 'http' | 'https') {
  return (target: ProbeTarget, spec: HttpSpec, { signal }: ProbeContext) =>
    new Promise<ProbeResult>((resolve) => {
      const startedAt = performance.now();
      let settled = false;
      const url = `${scheme}://${hostForUrl(target.host)}:${target.port}${spec.path}`;
      const headers: Record<string, string> = { 'user-agent': 'rsguard', connection: 'close', ...spec.headers };
      if (spec.virtualHost) headers.host = spec.virtualHost;
      const stream = got.stream(url, {
        method: spec.method,
        headers,
        signal,
        agent: agents,
        followRedirect: spec.followRedirects,
        maxRedirects: 5,
        throwHttpErrors: false,
        retry: { limit: 0 },
        decompress: false,
        https: { rejectUnauthorized: spec.tlsVerify },
      });
      const finish = (result: ProbeResult) => {
        if (settled) return;
        settled = true;
        stream.destroy();
        resolve(result);
      };
      let status = 0;
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const judge = () => {
        const verdict = judgeBody(spec, Buffer.concat(chunks), truncated);
        finish(verdict.ok ? pass(startedAt, `HTTP ${status}`) : fail(startedAt, 'body', `HTTP ${status}: ${verdict.detail}`));
      };
      stream.once('response', (res: { statusCode: number }) => {
        status = res.statusCode;
        if (!statusMatches(status, spec.expectStatus)) return finish(fail(startedAt, 'status', `HTTP ${status} not in ${spec.expectStatus.join(',')}`));
        if (!needsBody(spec)) return finish(pass(startedAt, `HTTP ${status}`));
      });
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = spec.maxBodyBytes - size;
        if (chunk.length > room) {
          // A hostile server may send forever: stop at the cap and judge what we have.
          chunks.push(chunk.subarray(0, room));
          size += room;
          truncated = true;
          return judge();
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      stream.once('end', () => {
        if (!settled) judge();
      });
      stream.once('error', (err: Error) => {
        const { reason, detail } = classifyError((err as { cause?: unknown }).cause ?? err, signal);
        finish(fail(startedAt, reason, detail));
      });
    });
}

export const httpProbe: ProbeKind<typeof httpSpec> = defineProbe({ kind: 'http', spec: httpSpec, run: runHttp('http') });
export const httpsProbeRun = runHttp('https');
