import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Gauge, Registry } from 'prom-client';
import { memoBy, ScrapeRegistry, seriesLabels, ViewGauge, withLabel } from '../../src/metrics/view-gauge.js';

/** The per-server gauges write their own text; a scrape must not tell it from prom-client's. */
describe('view gauges expose what prom-client would', () => {
  // Hostile label values (quotes, backslashes, newlines) and every special value.
  const servers = [
    { vs: 'web', rs: '10.0.0.1:80', value: 1 },
    { vs: 'we"b', rs: 'a\\b', value: 0 },
    { vs: 'line\nbreak', rs: '[2001:db8::1]:443', value: 2.5 },
    { vs: 'nan', rs: 'x', value: Number.NaN },
    { vs: 'inf', rs: 'y', value: Number.POSITIVE_INFINITY },
    { vs: 'ninf', rs: 'z', value: Number.NEGATIVE_INFINITY },
  ];
  const help = 'Hard state\\of each "server"\nsecond line';

  function ours(registry: Registry): void {
    const series = servers.map((s) => seriesLabels({ vs: s.vs, rs: s.rs }));
    new Gauge({ name: 'before', help: 'a plain gauge before', registers: [registry] }).set(3);
    new ViewGauge('rs_up', help, registry, (push) => {
      servers.forEach((s, i) => push(series[i]!, s.value));
    });
    // A label added at scrape time (the weight gauge's kind), a hostile value too.
    new ViewGauge('rs_weight', help, registry, (push) => {
      servers.forEach((s, i) => push(withLabel(series[i]!, 'kind', i % 2 ? 'de"si\\red\n' : 'applied'), s.value));
    });
    new Gauge({ name: 'after', help: 'a plain gauge after', registers: [registry] }).set(4);
  }

  function theirs(): Registry {
    const registry = new Registry();
    new Gauge({ name: 'before', help: 'a plain gauge before', registers: [registry] }).set(3);
    const g = new Gauge({ name: 'rs_up', help, labelNames: ['vs', 'rs'], registers: [registry] });
    for (const s of servers) g.set({ vs: s.vs, rs: s.rs }, s.value);
    const w = new Gauge({ name: 'rs_weight', help, labelNames: ['vs', 'rs', 'kind'], registers: [registry] });
    servers.forEach((s, i) => w.set({ vs: s.vs, rs: s.rs, kind: i % 2 ? 'de"si\\red\n' : 'applied' }, s.value));
    new Gauge({ name: 'after', help: 'a plain gauge after', registers: [registry] }).set(4);
    return registry;
  }

  it('ScrapeRegistry writes the same text, byte for byte', async () => {
    const r = new ScrapeRegistry();
    ours(r);
    const expected = await theirs().metrics();
    assert.equal(await r.metrics(), expected);
    assert.match(expected, /^rs_up\{vs="we\\"b",rs="a\\\\b"\} 0$/m);
  });

  it('a plain prom-client registry (the generic path) gives the same text too', async () => {
    const r = new Registry();
    ours(r);
    assert.equal(await r.metrics(), await theirs().metrics());
  });

  it('memoBy makes a value once per key object', () => {
    let made = 0;
    const of = memoBy((key: { n: number }) => (made++, key.n * 2));
    const key = { n: 21 };
    assert.equal(of(key), 42);
    assert.equal(of(key), 42);
    assert.equal(of({ n: 21 }), 42);
    assert.equal(made, 2);
  });
});
