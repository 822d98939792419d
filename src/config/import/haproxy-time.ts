/** `2000`, `2s`, `500ms`, `1m` (HAProxy time format; a bare number is milliseconds). */
export function haproxyTime(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(us|ms|s|m|h|d)?$/.exec(v);
  if (!m) return undefined;
  const mult = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return Math.round(Number(m[1]) * mult);
}
