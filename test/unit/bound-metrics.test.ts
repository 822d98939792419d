import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram } from '../../src/metrics/bound-metrics.js';

/** The bound metrics replace prom-client's on the hot path; a scrape must not tell them apart. */
describe('bound metrics expose what prom-client would', () => {
  const bounds = [0.001, 0.01, 0.1, 1];
  const samples = [0, 0.0005, 0.001, 0.002, 0.05, 0.1, 0.7, 1, 3, 42];

  it('histogram: the same buckets (cumulative, le inclusive), +Inf, sum and count per label set', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const h = new BoundHistogram('x_seconds', 'help text', ['kind'], bounds, ours);
    const p = new Histogram({ name: 'x_seconds', help: 'help text', labelNames: ['kind'], buckets: bounds, registers: [theirs] });
    for (const [i, v] of samples.entries()) {
      const kind = i % 3 === 0 ? 'tcp' : 'http';
      h.child(kind).observe(v);
      p.observe({ kind }, v);
    }
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.match(await ours.metrics(), /^x_seconds_bucket\{le="0.001",kind="http"\} 2$/m);
  });

  it('an unlabelled histogram child is exposed before its first observation, as prom-client does', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    new BoundHistogram('lag_seconds', 'lag', [], bounds, ours).child();
    new Histogram({ name: 'lag_seconds', help: 'lag', buckets: bounds, registers: [theirs] });
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.match(await ours.metrics(), /^lag_seconds_count 0$/m);
  });

  it('counter: one series per label set, children bound once keep counting', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const c = new BoundCounter('r_total', 'results', ['kind', 'outcome'], ours);
    const p = new Counter({ name: 'r_total', help: 'results', labelNames: ['kind', 'outcome'], registers: [theirs] });
    const ok = c.child('http', 'success');
    for (let i = 0; i < 5; i++) ok.inc();
    c.child('http', 'failure').inc();
    c.child('tcp', 'error');
    p.inc({ kind: 'http', outcome: 'success' }, 5);
    p.inc({ kind: 'http', outcome: 'failure' });
    p.inc({ kind: 'tcp', outcome: 'error' }, 0);
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.match(await ours.metrics(), /^r_total\{kind="http",outcome="success"\} 5$/m);
  });

  it('refuses the wrong number of label values', () => {
    const c = new BoundCounter('w_total', 'w', ['kind'], new Registry());
    assert.throws(() => c.child('a', 'b'), /expected 1 label values, got 2/);
  });
});
