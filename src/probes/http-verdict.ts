import { createHash } from 'node:crypto';
import type { HttpRule, HttpSpec } from './http-spec.js';
import { describeHeader, matchHeader, render } from './http-header-rule.js';
import type { HeaderLine } from './http-headers.js';
import { needsBody } from './http-spec.js';
import { fail, pass, snippet } from './outcome.js';
import { compiled } from './regex-cache.js';
import { statusMatches } from './status-codes.js';
import type { ProbeResult } from './types.js';

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

/**
 * The expectRules in order, as HAProxy evaluates its expect rules
 * (tcpcheck_eval_expect_http): the first that does not hold fails the check.
 * A body rule on an empty body fails whether negated or not ("HTTP content
 * check could not find a response body"), as does a template that comes out
 * empty.
 */
function judgeRules(rules: readonly HttpRule[], status: number, body: Buffer, headers: readonly HeaderLine[]): { ok: true } | { ok: false; reason: 'status' | 'body'; detail: string } {
  let text: string | undefined;
  for (const r of rules) {
    let matched: boolean;
    let what: string;
    if (r.status !== undefined) {
      matched = statusMatches(status, r.status);
      what = `status in ${r.status.join(',')}`;
    } else if (r.statusRegex !== undefined) {
      matched = compiled(r.statusRegex).test(String(status).padStart(3, '0'));
      what = `status matching /${snippet(r.statusRegex, 40)}/`;
    } else if (r.header !== undefined) {
      const m = matchHeader(r.header, headers);
      if ('error' in m) return { ok: false, reason: 'body', detail: `HTTP ${status}: ${m.error}` };
      matched = m.matched;
      what = describeHeader(r.header);
    } else {
      if (!body.length) return { ok: false, reason: 'body', detail: `HTTP ${status}: no response body` };
      text ??= body.toString('latin1');
      const needle = Array.isArray(r.body) ? render(r.body, headers) : r.body;
      if (needle === '') return { ok: false, reason: 'body', detail: `HTTP ${status}: body template evaluated to an empty string` };
      matched = needle !== undefined ? text.includes(needle) : compiled(r.bodyRegex!).test(text);
      what = needle !== undefined ? `body containing ${JSON.stringify(snippet(needle, 40))}` : `body matching /${snippet(r.bodyRegex!, 40)}/`;
    }
    if (matched === r.not) {
      const reason = r.status !== undefined || r.statusRegex !== undefined ? 'status' : 'body';
      return { ok: false, reason, detail: `HTTP ${status}: ${r.not ? 'unwanted' : 'expected'} ${what}` };
    }
  }
  return { ok: true };
}

/** "HTTP 200" and friends, one string each: a check's detail lives until its next result, at thousands a second. */
const statusTexts: string[] = [];
const statusText = (status: number): string => (statusTexts[status] ??= `HTTP ${status}`);

const NO_HEADERS: readonly HeaderLine[] = [];

/** Status first, then the body checks: shared by the fast client and the got path. `headers` only when needsHeaders(spec). */
export function verdict(spec: HttpSpec, startedAt: number, status: number, body: Buffer, truncated: boolean, headers: readonly HeaderLine[] = NO_HEADERS): ProbeResult {
  if (!statusMatches(status, spec.expectStatus)) return fail(startedAt, 'status', `HTTP ${status} not in ${spec.expectStatus.join(',')}`);
  if (spec.expectRules) {
    const ruled = judgeRules(spec.expectRules, status, body, headers);
    if (!ruled.ok) return fail(startedAt, ruled.reason, ruled.detail);
  }
  if (!needsBody(spec)) return pass(startedAt, statusText(status));
  const judged = judgeBody(spec, body, truncated);
  return judged.ok ? pass(startedAt, statusText(status)) : fail(startedAt, 'body', `HTTP ${status}: ${judged.detail}`);
}
