import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import type { LogTarget } from './model/model.js';

export type { Logger };

const OPTIONS = { base: { name: 'rsguard' }, redact: { paths: ['token', '*.token', 'password', '*.password', 'auth.pass'], censor: '[redacted]' } };

/**
 * JSON lines on stdout (or any stream, for tests), or to a syslog daemon
 * through pino's own maintained transports: pino-syslog frames each line
 * (RFC 3164 or 5424, the facility, pino's level as the severity) and
 * pino-socket sends it. Both run in pino's transport worker, off the probe
 * path. Secrets never reach a log line.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, target: LogTarget = { to: 'stdout' }): Logger {
  if (destination || target.to === 'stdout') return pino({ level, ...OPTIONS }, destination ?? pino.destination({ fd: 1, sync: false }));
  const transport = pino.transport({
    pipeline: [
      { target: 'pino-syslog', options: { modern: target.format === 'rfc5424', appname: 'rsguard', facility: target.facility, enablePipelining: true, newline: target.protocol === 'tcp' } },
      { target: 'pino-socket', options: { address: target.host, port: target.port, mode: target.protocol, reconnect: target.protocol === 'tcp' } },
    ],
  });
  // A transport that fails (a line it cannot frame, a TCP peer gone) must not take the checker down with it.
  transport.on('error', (err: Error) => process.stderr.write(`rsguard: syslog logging failed: ${err.message}\n`));
  // pino-syslog builds the header (HOSTNAME, TAG[PID]) from these two fields.
  return pino({ level, ...OPTIONS, base: { ...OPTIONS.base, pid: process.pid, hostname: hostname() } }, transport);
}
