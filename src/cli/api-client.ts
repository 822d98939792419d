/**
 * The one client the commands use to talk to a running daemon's API
 * (`rsguard status`, `drain`, `health`, `notify`), on got: a whole-request
 * timeout, JSON both ways, the bearer token, and retries only where a repeat
 * is harmless. A write is retried only on a connection that never reached the
 * daemon (it is restarting), never after it answered.
 *
 * got is loaded on the first call, not with this module: the CLI's entry
 * point imports this file, so a static import put got (40 modules, 3 MB of
 * heap, and the ICU data its module set touches: 4-9 MB of RSS) into every
 * `rsguard run`, which never calls the API it serves.
 */
export interface ApiCall {
  method?: 'GET' | 'POST';
  token?: string | undefined;
  json?: unknown;
  timeoutMs: number;
  /** Tries after the first, on connection errors only (ECONNREFUSED, ECONNRESET...): a restarting daemon. */
  retries?: number;
  /** Answer any status with its body instead of throwing ApiRefused (health: a 503 says why). */
  anyStatus?: boolean;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/** Thrown when the daemon answered with an error status: `status` and its `error` text; never retried. */
export class ApiRefused extends Error {
  override name = 'ApiRefused';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function apiCall<T = Record<string, unknown>>(base: string, path: string, o: ApiCall): Promise<ApiAnswer<T>> {
  const { default: got, HTTPError, RequestError } = await import('got');
  try {
    const res = await got(new URL(path, base), {
      method: o.method ?? 'GET',
      ...(o.json !== undefined ? { json: o.json } : {}),
      headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
      timeout: { request: o.timeoutMs },
      retry: { limit: o.retries ?? 0, methods: ['GET', 'POST'], statusCodes: [], errorCodes: ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN'], backoffLimit: 1000 },
      responseType: 'json',
      throwHttpErrors: !o.anyStatus,
    });
    return { status: res.statusCode, body: res.body as T };
  } catch (err) {
    if (err instanceof HTTPError) {
      const body = err.response.body as { error?: string; detail?: string } | string | undefined;
      const text = typeof body === 'object' && body ? (body.error ?? body.detail ?? '') : '';
      throw new ApiRefused(err.response.statusCode, `${err.response.statusCode}: ${text || err.response.statusMessage || 'error'}`);
    }
    if (err instanceof RequestError) throw new Error(err.code && err.code !== 'ERR_GOT_REQUEST_ERROR' ? `${err.code}: ${err.message}` : err.message);
    throw err;
  }
}
