import pino from 'pino';
/** JSON lines on stdout (or any stream, for tests); secrets never reach a log line. */
export function createLogger(level, destination) {
    return pino({ level, base: { name: 'rsguard' }, redact: { paths: ['token', '*.token', 'password', '*.password', 'auth.pass'], censor: '[redacted]' } }, destination ?? pino.destination({ fd: 1, sync: false }));
}
//# sourceMappingURL=log.js.map