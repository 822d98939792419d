import { HopFailure, type Followed } from './http-redirects.js';
import { HttpProtocolError } from './http-response-parser.js';
import type { HttpSpec } from './http-spec.js';
import { verdict } from './http-verdict.js';
import { classifyError, fail, failure } from './outcome.js';
import type { ProbeResult } from './types.js';

/** The verdict on the answer a chain ended with, saying where it came from when that was not the first URL. */
export function judged(spec: HttpSpec, startedAt: number, f: Followed): ProbeResult {
  const r = verdict(spec, startedAt, f.res.status, f.res.body, f.res.truncated);
  if (f.stopped !== undefined && !r.ok) return { ...r, detail: `${r.detail} (${f.stopped})` };
  if (f.redirects === 0) return r;
  return { ...r, detail: `${r.detail} (after ${f.redirects} redirect${f.redirects === 1 ? '' : 's'}, at ${f.url})` };
}

/** A request that got no answer to judge; after a redirect, the detail says which hop it was. */
export function httpFailure(startedAt: number, err: unknown, deadline: { readonly aborted: boolean }): ProbeResult {
  const hop = err instanceof HopFailure ? err : undefined;
  const cause = hop ? hop.cause : err;
  const r = cause instanceof HttpProtocolError && !deadline.aborted ? fail(startedAt, 'protocol', cause.message) : failure(startedAt, classifyError(cause, deadline));
  return hop ? { ...r, detail: `${r.detail} (${hop.message})` } : r;
}
