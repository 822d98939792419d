import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout (or any stream, for tests); secrets never reach a log line. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { name: 'rsguard' }, redact: { paths: ['token', '*.token', 'password', '*.password', 'auth.pass'], censor: '[redacted]' } },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
