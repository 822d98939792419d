import { Socks4Failure } from '../lib/socks4.js';
import type { CheckErrorReason, FailureReason, ProbeResult } from './types.js';

/** Small helpers so every probe words its results the same way. */
export function pass(startedAt: number, detail: string): ProbeResult {
  return { ok: true, durationMs: elapsed(startedAt), detail };
}

export function fail(startedAt: number, reason: FailureReason, detail: string): ProbeResult {
  return { ok: false, durationMs: elapsed(startedAt), detail, reason };
}

/** The check could not run: rsguard's fault, not the server's (see CheckErrorReason). */
export function checkError(startedAt: number, error: CheckErrorReason, detail: string): ProbeResult {
  return { ok: false, durationMs: elapsed(startedAt), detail, reason: 'error', error };
}

/** A failure as classifyError words it: a down result, or a check error when the fault is local. */
export function failure(startedAt: number, c: Classified): ProbeResult {
  return c.error ? checkError(startedAt, c.error, c.detail) : fail(startedAt, c.reason, c.detail);
}

export function elapsed(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 1000) / 1000;
}

export interface Classified {
  reason: FailureReason;
  detail: string;
  error?: CheckErrorReason;
}

/**
 * Errno codes that come from this host's own stack, whatever the target: a
 * probe that hits them could not run, so they must not count against the
 * server (a director out of descriptors would otherwise empty every pool).
 * EADDRNOTAVAIL on connect is the local ephemeral port range running out.
 */
export function localFaultOf(code: string): CheckErrorReason | undefined {
  switch (code) {
    case 'EMFILE':
    case 'ENFILE':
      return 'descriptors';
    case 'ENOBUFS':
    case 'ENOMEM':
      return 'buffers';
    case 'EADDRNOTAVAIL':
      return 'local_address';
    case 'EACCES':
    case 'EPERM':
      return 'permission';
    default:
      return undefined;
  }
}

/** A fault of this host met while running a probe (a CA file that cannot be read): a check error, whatever the server. */
export class LocalFault extends Error {
  override name = 'LocalFault';
}

/** Maps a socket-level error to a bounded reason; the deadline wins over whatever the abort caused. */
export function classifyError(err: unknown, signal: { readonly aborted: boolean }): Classified {
  if (signal.aborted) return { reason: 'timeout', detail: 'timed out' };
  if (err instanceof LocalFault) return { reason: 'error', detail: err.message, error: 'exception' };
  // The proxy's own words (or its silence): a failed check, as HAProxy counts it, worded for the proxy.
  if (err instanceof Socks4Failure) return { reason: err.reason, detail: err.message };
  const e = err as NodeJS.ErrnoException & { code?: string };
  const code = e?.code ?? '';
  const message = e?.message ?? String(err);
  const local = localFaultOf(code);
  if (local) return { reason: 'error', detail: `cannot run the check here: ${message}`, error: local };
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'refused', detail: 'connection refused' };
    case 'ETIMEDOUT':
    case 'ABORT_ERR':
      return { reason: 'timeout', detail: 'timed out' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOENT':
      return { reason: 'unreachable', detail: message };
    case 'ECONNRESET':
    case 'EPIPE':
      return { reason: 'protocol', detail: `connection reset (${code})` };
    default:
      if (code.startsWith('HPE_')) return { reason: 'protocol', detail: `bad HTTP response (${code})` };
      if (/certificate|SSL|TLS|self[- ]signed|ERR_TLS/i.test(code + ' ' + message)) return { reason: 'tls', detail: message };
      return { reason: 'error', detail: message };
  }
}

/** Escapes a label for log text without letting a hostile server flood the detail. */
export function snippet(text: string, max = 120): string {
  const clean = text.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '?'));
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
