import { httpCheck, isRedirect, type HttpCheckRequest } from './http-client.js';
import type { ParsedResponse } from './http-response-parser.js';
import { snippet } from './outcome.js';
import type { Abortable } from '../lib/deadline.js';

/**
 * Redirects, followed as ldirectord's check_http has them followed: it hands
 * its request to LWP::UserAgent with LWP's defaults (LWP 6.68, UserAgent.pm
 * request() and redirect_ok()):
 * - 301, 302, 303, 307 and 308 are followed, at most max_redirect (7) times;
 *   the response after the 7th is the answer whatever it is, so a further
 *   redirect there is a failure (not 2xx);
 * - only a GET or HEAD is redirected (requests_redirectable), and stays a GET or HEAD;
 * - Location is read against the response's base (Content-Base, Base, else the
 *   URL asked), so a relative one works; an empty or missing one is the URL
 *   asked again;
 * - the next request is the same request at the new URL, less its Host (made
 *   from the new URL) and Cookie, to any host and either scheme, with the same
 *   TLS options (LWP keeps one ssl_opts for every hop);
 * - one alarm (negotiatetimeout) covers the whole chain: here the probe's one deadline.
 * The chain runs on rsguard's own client, a fresh connection per hop.
 * Beyond LWP: a Location that is no URL at all ends the chain (the redirect is
 * the answer), as does any scheme but http and https (LWP refuses file: and
 * would try ftp:). The limit is the check's maxRedirects, LWP's 7 by default.
 */

export interface Followed {
  /** The answer: the first response that is not a redirect, or the redirect that was not followed. */
  res: ParsedResponse;
  /** Redirects followed. */
  redirects: number;
  /** The URL the answer came from. */
  url: string;
  /** Why the answer, a redirect, was not followed. */
  stopped?: string;
}

/** A hop after the first failed (refused, timed out, TLS): the error, and where the chain had got to. */
export class HopFailure extends Error {
  override name = 'HopFailure';
  constructor(override readonly cause: unknown, readonly redirects: number, readonly url: string) {
    super(`after ${redirects} redirect${redirects === 1 ? '' : 's'} to ${snippet(url, 80)}`);
  }
}

/** The request for a redirect's URL, or why it is not followed. */
export type NextHop = (url: URL, from: HttpCheckRequest) => HttpCheckRequest | string;

/** Whether a request's redirects are followed at all (LWP's requests_redirectable: GET and HEAD). */
export function redirectable(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/**
 * Follows a chain from its first response, a redirect: the caller asks the
 * first URL itself, so a check whose server answers at once pays nothing here.
 */
export async function followRedirects(first: ParsedResponse, req: HttpCheckRequest, url: string, signal: Abortable, maxRedirects: number, next: NextHop): Promise<Followed> {
  const follows = redirectable(req.method);
  let res = first;
  for (let redirects = 0; ; redirects++) {
    const answer = (stopped?: string): Followed => ({ res, redirects, url, ...(stopped !== undefined ? { stopped } : {}) });
    if (!isRedirect(res.status)) return answer();
    if (!follows) return answer(`a ${req.method} is not redirected`);
    if (redirects >= maxRedirects) return answer(`redirect limit ${maxRedirects} reached`);
    let to: URL;
    try {
      to = new URL(res.location ?? '', res.base !== undefined ? new URL(res.base, url) : url);
    } catch {
      return answer(`Location ${JSON.stringify(snippet(res.location ?? '', 80))} is not a URL`);
    }
    const hop = next(to, req);
    if (typeof hop === 'string') return answer(`redirect to ${snippet(to.href, 80)} not followed: ${hop}`);
    req = hop;
    url = to.href;
    try {
      // The last hop the limit allows is read whole: its answer is judged as it is, redirect or not.
      res = await httpCheck(req, signal, redirects + 1 < maxRedirects);
    } catch (err) {
      throw new HopFailure(err, redirects + 1, url);
    }
  }
}

/** user:password in a URL, as LWP sends it (LWP::Protocol::http _fixup_header): Basic authorization, unless the request has its own. */
function withUserinfo(url: URL, headers: Record<string, string>): Record<string, string> {
  if (!url.username && !url.password) return headers;
  if (Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) return headers;
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { ...headers, Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** The request's headers less Cookie (LWP removes Host and Cookie from a referral; Host is always the URL's here). */
export function referralHeaders(url: URL, headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() !== 'cookie') kept[name] = value;
  return withUserinfo(url, kept);
}

/**
 * The next hop of a direct check: the same request (method, headers, body,
 * TLS options: CA, verification, client certificate, CRL, and an SNI or
 * verify name only when the check sets one) to the URL's host and port.
 */
export const directHop: NextHop = (url, from) => {
  const tls = url.protocol === 'https:';
  if (!tls && url.protocol !== 'http:') return 'rsguard follows http and https redirects only';
  return {
    ...from,
    tls,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : tls ? 443 : 80,
    path: `${url.pathname}${url.search}`,
    hostHeader: url.host,
    headers: referralHeaders(url, from.headers),
  };
};
