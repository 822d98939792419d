import { z } from 'zod';
/** `200`, `"200-299"` or `"2xx"`; a list of these. Kept as strings/numbers so specs stay JSON. */
export const statusItem = z.union([
    z.number().int().min(100).max(599),
    z.string().regex(/^(\d{3}(-\d{3})?|[1-5]xx)$/, 'expected a status code, a range like "200-299" or a class like "2xx"'),
]);
export function statusMatches(code, items) {
    return items.some((item) => {
        if (typeof item === 'number')
            return code === item;
        if (item.endsWith('xx'))
            return Math.floor(code / 100) === Number(item[0]);
        const [lo, hi] = item.split('-').map(Number);
        return hi === undefined ? code === lo : code >= lo && code <= hi;
    });
}
//# sourceMappingURL=status-codes.js.map