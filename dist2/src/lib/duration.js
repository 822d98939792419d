import { z } from 'zod';
const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Parses `250ms`, `2s`, `1.5m`, `1h`; a bare number is seconds, as in ldirectord and keepalived. */
export function parseDuration(value) {
    if (typeof value === 'number')
        return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(value.trim());
    if (!m)
        return undefined;
    return Math.round(Number(m[1]) * UNITS[m[2]]);
}
/** A duration in the config; the model holds milliseconds. */
export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like 500ms, 2s, 1m or a number of seconds, got ${JSON.stringify(v)}` });
        return z.NEVER;
    }
    return ms;
});
export function formatDuration(ms) {
    if (ms % 3_600_000 === 0)
        return `${ms / 3_600_000}h`;
    if (ms % 60_000 === 0)
        return `${ms / 60_000}m`;
    if (ms % 1000 === 0)
        return `${ms / 1000}s`;
    return `${ms}ms`;
}
//# sourceMappingURL=duration.js.map