import { z } from 'zod';

/** `200`, `"200-299"` or `"2xx"`; a list of these. Kept as strings/numbers so specs stay JSON. */
export const statusItem = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^(\d{3}(-\d{3})?|[1-5]xx)$/, 'expected a status code, a range like "200-299" or a class like "2xx"'),
]);

export type StatusItem = z.output<typeof statusItem>;

/** Each list as inclusive [lo, hi] ranges, parsed once per list (a check's spec keeps its list). */
const ranges = new WeakMap<readonly StatusItem[], number[]>();

function rangesOf(items: readonly StatusItem[]): number[] {
  let r = ranges.get(items);
  if (r) return r;
  r = [];
  for (const item of items) {
    if (typeof item === 'number') r.push(item, item);
    else if (item.endsWith('xx')) r.push(Number(item[0]) * 100, Number(item[0]) * 100 + 99);
    else {
      const [lo, hi] = item.split('-').map(Number);
      r.push(lo!, hi ?? lo!);
    }
  }
  ranges.set(items, r);
  return r;
}

export function statusMatches(code: number, items: readonly StatusItem[]): boolean {
  const r = rangesOf(items);
  for (let i = 0; i < r.length; i += 2) if (code >= r[i]! && code <= r[i + 1]!) return true;
  return false;
}
