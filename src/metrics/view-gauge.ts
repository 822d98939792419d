import { Registry, type Metric } from 'prom-client';
import type { Exposed, ExposedValue } from './bound-metrics.js';

/**
 * A series' labels as exposition text (`vs="web",rs="10.0.0.1:80"`), made
 * once. Only the text is kept: there is one per real server, and a labels
 * object beside it doubled what the gauges held (10,000 servers, 6 series
 * each, were 6 MB of the heap); the generic path parses it back.
 */
export type SeriesLabels = string;

/**
 * A gauge whose values are read from rsguard's state at scrape time, one per
 * real server. prom-client's own Gauge, reset and set per server on every
 * scrape, hashed each label set, then formatted and escaped each label again:
 * a scrape of 5,000 real servers (25,000 lines) took 130-160 ms of the event
 * loop, delaying every check due meanwhile, each time Prometheus came. Here
 * each series' label text is made once per real server and configuration and ScrapeRegistry writes the lines directly.
 */
export class ViewGauge {
  readonly type = 'gauge';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
    private readonly read: (push: (series: SeriesLabels, value: number) => void) => void,
  ) {
    // Duck-typed, as BoundCounter: the registry reads name, help, type and get().
    registry.registerMetric(this as unknown as Metric);
  }

  /** The registry's generic path (its JSON, or a registry that is not a ScrapeRegistry). */
  get(): Exposed {
    const values: ExposedValue[] = [];
    this.read((series, value) => values.push({ labels: labelsOf(series), value }));
    return { name: this.name, help: this.help, type: 'gauge', aggregator: 'sum', values };
  }

  /** The exposition text prom-client would write for get(), written directly. */
  text(): string {
    const name = this.name;
    const lines = [`# HELP ${name} ${escapeText(this.help)}`, `# TYPE ${name} gauge`];
    this.read((series, value) => lines.push(`${name}{${series}} ${valueText(value)}`));
    return lines.join('\n');
  }

  reset(): void {}
}

/** prom-client's registry, writing ViewGauges' text itself (the rest as prom-client does). */
export class ScrapeRegistry extends Registry {
  getMetricsAsString(metric: Metric): Promise<string> {
    if (metric instanceof ViewGauge) return Promise.resolve(metric.text());
    return (Registry.prototype as unknown as { getMetricsAsString(m: Metric): Promise<string> }).getMetricsAsString.call(this, metric);
  }
}

/** The text of one series' labels, in the object's order. */
export function seriesLabels(labels: Record<string, string>): SeriesLabels {
  return Object.entries(labels).map(([k, v]) => `${k}="${escapeValue(v)}"`).join(',');
}

/** A series' text with one more label after the others (made at scrape time: a string per series, not kept). */
export function withLabel(series: SeriesLabels, name: string, value: string): SeriesLabels {
  return `${series},${name}="${escapeValue(value)}"`;
}

/** The labels object a series' text stands for (escapes undone), for prom-client's generic path. */
export function labelsOf(series: SeriesLabels): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of series.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  return labels;
}

/** `make(key)`, kept as long as the key object (a service's definition, which a reload replaces). */
export function memoBy<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) cache.set(key, (v = make(key)));
    return v;
  };
}

// As prom-client escapes help text and label values, and writes values.
function escapeValue(s: string): string {
  return escapeText(s).replace(/"/g, '\\"');
}

function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function valueText(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (!Number.isFinite(v)) return v < 0 ? '-Inf' : '+Inf';
  return `${v}`;
}
