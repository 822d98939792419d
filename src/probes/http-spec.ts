import { z } from 'zod';
import { regexField } from './regex-cache.js';
import { headerMatch, template } from './http-header-rule.js';
import { statusItem } from './status-codes.js';
import { tlsExtraFields } from './tls-fields.js';

const DEFAULT_MAX_BODY = 64 * 1024;

const regex = regexField;

/**
 * One response rule, as HAProxy's `http-check expect [!] status|rstatus|string|rstring|string-lf|hdr|fhdr`
 * (tcpcheck_eval_expect_http): every rule must hold, in order; `not` inverts one.
 */
export const httpRule = z
  .object({
    status: z.array(statusItem).min(1).optional(),
    /** Matched against the three-digit status code. */
    statusRegex: regex.optional(),
    /** The body contains this, or what this template gives for the response (`string-lf`). */
    body: z.union([z.string().min(1), template]).optional(),
    bodyRegex: regex.optional(),
    /** A response header (HAProxy `hdr` / `fhdr`). */
    header: headerMatch.optional(),
    not: z.boolean().default(false),
  })
  .strict()
  .refine((r) => [r.status, r.statusRegex, r.body, r.bodyRegex, r.header].filter((x) => x !== undefined).length === 1, {
    message: 'set exactly one of status, statusRegex, body, bodyRegex, header',
  });

export type HttpRule = z.output<typeof httpRule>;

export const httpSpec = z
  .object({
    method: z.enum(['GET', 'HEAD', 'POST', 'OPTIONS']).default('GET'),
    path: z.string().startsWith('/').default('/'),
    /** Host header and TLS SNI (ldirectord `virtualhost`, keepalived url `virtualhost`). */
    virtualHost: z.union([z.string().min(1), z.literal(false)]).optional(),
    headers: z.record(z.string(), z.string()).default({}),
    /** Request body, sent with its Content-Length (HAProxy `http-check send body`). */
    body: z.string().optional(),
    /** Accepted status codes; keepalived's default is 200-299. */
    expectStatus: z.array(statusItem).min(1).default(['200-299']),
    /** The body must contain this string (ldirectord `receive` is a regex: use expectBodyRegex). */
    expectBody: z.string().min(1).optional(),
    expectBodyRegex: regex.optional(),
    /** The body must not contain / match these (keepalived `regex_no_match`, blackbox `fail_if_body_matches_regexp`). */
    rejectBody: z.string().min(1).optional(),
    rejectBodyRegex: regex.optional(),
    /** Further rules, all of which must hold after expectStatus (HAProxy's several `http-check expect`). */
    expectRules: z.array(httpRule).optional(),
    /** MD5 of the whole body, hex, like keepalived's `digest` from genhash. */
    digest: z.string().regex(/^[0-9a-fA-F]{32}$/, 'expected 32 hex digits (an MD5 digest)').transform((d) => d.toLowerCase()).optional(),
    /** Bytes of body read at most; HAProxy inspects only tune.bufsize (16 KiB) too. */
    maxBodyBytes: z.number().int().min(1).max(16 * 1024 * 1024).default(DEFAULT_MAX_BODY),
    /** Verify the server certificate (https). ldirectord never does; here it is on unless turned off. */
    tlsVerify: z.boolean().default(true),
    /** A PEM CA bundle for a backend with a private CA (default: global.tlsCa, else the system's). */
    tlsCa: z.string().startsWith('/', 'must be an absolute path').optional(),
    ...tlsExtraFields,
    /** Follow 301/302/303/307/308 for a GET or HEAD, as LWP::UserAgent does for ldirectord (http-redirects.ts). */
    followRedirects: z.boolean().default(false),
    /** Redirects followed at most (LWP's max_redirect); the answer after the last is judged as it is. */
    maxRedirects: z.number().int().min(1).max(20).default(7),
    /** 2: HTTP/2, h2c with prior knowledge (http) or ALPN h2 (https), as HAProxy's `check-proto h2` / `proto h2`. */
    /**
     * The request's HTTP version: 1.0 (written `1.0` or `1`; keepalived's and HAProxy's default), 1.1, or 2
     * (HTTP/2: h2c with prior knowledge for http, ALPN h2 for https, as HAProxy's `check-proto h2` / `proto h2`).
     */
    version: z.union([z.literal(1), z.literal(1.1), z.literal(2)]).default(1.1),
  })
  .strict()
  .refine((s) => !(s.version === 2 && s.followRedirects), { message: 'followRedirects is for HTTP/1.1 checks (version 1.1)', path: ['followRedirects'] });

export type HttpSpec = z.output<typeof httpSpec>;

export function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Header rules and body templates read the response's header lines. */
export function needsHeaders(spec: HttpSpec): boolean {
  return Boolean(spec.expectRules?.some((r) => r.header !== undefined || Array.isArray(r.body)));
}

export function needsBody(spec: HttpSpec): boolean {
  return spec.method !== 'HEAD' && Boolean(spec.expectBody || spec.expectBodyRegex || spec.rejectBody || spec.rejectBodyRegex || spec.digest || spec.expectRules?.some((r) => r.body !== undefined || r.bodyRegex !== undefined));
}
