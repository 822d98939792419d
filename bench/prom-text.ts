/** Just enough of the Prometheus text format for the bench: sums and histogram quantiles. */
export function sumMetric(text: string, name: string, filter: (labels: string) => boolean = () => true): number {
  let total = 0;
  const re = new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm');
  for (const m of text.matchAll(re)) if (filter(m[1] ?? '')) total += Number(m[2]);
  return total;
}

/** Each series of `name` whose labels pass `filter`, by its label text: two scrapes' maps diff into what changed between them. */
export function seriesOf(text: string, name: string, filter: (labels: string) => boolean = () => true): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm');
  for (const m of text.matchAll(re)) if (filter(m[1] ?? '')) out.set(m[1] ?? '', Number(m[2]));
  return out;
}

export interface Buckets {
  le: number[];
  counts: number[];
}

export function histogram(text: string, name: string): Buckets {
  const le: number[] = [];
  const counts: number[] = [];
  const re = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} ([0-9.eE+-]+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    le.push(m[1] === '+Inf' ? Infinity : Number(m[1]));
    counts.push(Number(m[2]));
  }
  return { le, counts };
}

export function diffBuckets(a: Buckets, b: Buckets): Buckets {
  return { le: b.le, counts: b.counts.map((c, i) => c - (a.counts[i] ?? 0)) };
}

/** Linear interpolation inside the bucket, as PromQL histogram_quantile does. */
export function quantile(q: number, h: Buckets): number {
  const total = h.counts[h.counts.length - 1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  for (let i = 0; i < h.counts.length; i++) {
    if (h.counts[i]! >= rank) {
      const lo = i === 0 ? 0 : h.le[i - 1]!;
      const hi = h.le[i]!;
      if (hi === Infinity) return lo;
      const below = i === 0 ? 0 : h.counts[i - 1]!;
      const inBucket = h.counts[i]! - below;
      return lo + (hi - lo) * (inBucket === 0 ? 0 : (rank - below) / inBucket);
    }
  }
  return NaN;
}

/** Waits until the daemon's /metrics answers (about 10 s at most, or sooner if it exited). */
export async function waitForMetrics(fetchMetrics: () => Promise<string>, exited: () => boolean): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await fetchMetrics();
      return;
    } catch {
      if (i > 100 || exited()) throw new Error('rsguard did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
