import type { FailureReason, ProbeResult } from './types.js';

/** Small helpers so every probe words its results the same way. */
export function pass(startedAt: number, detail: string): ProbeResult {
  return { ok: true, durationMs: elapsed(startedAt), detail };
}

export function fail(startedAt: number, reason: FailureReason, detail: string): ProbeResult {
  return { ok: false, durationMs: elapsed(startedAt), detail, reason };
}

export function elapsed(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 1000) / 1000;
}

/** Maps a socket-level error to a bounded reason; the deadline wins over whatever the abort caused. */
export function classifyError(err: unknown, signal: AbortSignal): { reason: FailureReason; detail: string } {
  if (signal.aborted) return { reason: 'timeout', detail: 'timed out' };
  const e = err as NodeJS.ErrnoException & { code?: string };
  const code = e?.code ?? '';
  const message = e?.message ?? String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'refused', detail: 'connection refused' };
    case 'ETIMEDOUT':
    case 'ABORT_ERR':
      return { reason: 'timeout', detail: 'timed out' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'ENOENT':
      return { reason: 'unreachable', detail: message };
    case 'ECONNRESET':
    case 'EPIPE':
      return { reason: 'protocol', detail: `connection reset (${code})` };
    case 'EACCES':
    case 'EPERM':
      return { reason: 'permission', detail: message };
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
