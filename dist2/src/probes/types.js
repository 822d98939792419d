export const FAILURE_REASONS = [
    'timeout', 'refused', 'unreachable', 'status', 'body', 'tls', 'protocol', 'exit', 'permission', 'error',
];
export const CHECK_ERROR_REASONS = ['spawn', 'permission', 'descriptors', 'buffers', 'local_address', 'exception'];
export function verdictOf(r) {
    return r.ok ? 'up' : r.error ? 'error' : 'down';
}
//# sourceMappingURL=types.js.map