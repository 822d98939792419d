import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import { Monitor } from '../../src/engine/monitor.js';
import { ServerHistory } from '../../src/history/server-history.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { statusDocument, type PoolReader } from '../../src/read/status-document.js';
import { renderStatusTable } from '../../src/read/status-table.js';
import type { ProbeJob } from '../../src/scheduler/job.js';
import type { ProbeResult } from '../../src/probes/types.js';

/**
 * A neutral result (HAProxy's agent with no up/down word, or not reached) is
 * neither a pass nor a failure wherever results are counted or shown.
 */

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const WEIGHT_ONLY: ProbeResult = { ok: true, durationMs: 1, detail: 'agent says 50%: health unchanged', neutral: true, weightPercent: 50, weightPercentAs: 'haproxy-agent' };
const NOT_REACHED: ProbeResult = { ok: false, durationMs: 2, detail: 'agent not reached: connection refused: no change', reason: 'refused', neutral: true };
const DOWN: ProbeResult = { ok: false, durationMs: 3, detail: 'agent says down', reason: 'status' };

const model = () =>
  loadYamlText(
    'a.yaml',
    `global: { checkDefaults: { interval: 1s, timeout: 500ms, fall: 1, rise: 1 } }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    realServers:
      - { address: 10.0.0.2:80, weight: 10, checks: [{ kind: agent, port: 9000 }] }
`,
  );

const pools: PoolReader = {
  plan: () => undefined,
  drained: () => new Set(),
  heldBySafetyValve: () => new Set(),
  balancerStatus: () => ({ kind: 'none', ok: true, lastError: null, lastReconcileAt: null, problems: [] }),
  leftAlone: () => undefined,
  serverRecords: () => [],
};

describe('a neutral agent answer reads as neither success nor failure', () => {
  it('metrics: outcome neutral (an agent not reached keeps its reason), no failure or success counted', async () => {
    const metrics = new Metrics();
    const job = { kind: 'agent', checkId: 'c', dueAt: 0 } as unknown as ProbeJob;
    for (const result of [WEIGHT_ONLY, NOT_REACHED, NOT_REACHED]) metrics.observeOutcome({ job, result, startedAt: 0, finishedAt: 1 });
    const text = await metrics.registry.metrics();
    const lines = text.split('\n').filter((l) => l.startsWith('rsguard_probe_results_total{'));
    assert.deepEqual(lines.sort(), ['rsguard_probe_results_total{kind="agent",outcome="neutral",reason=""} 1', 'rsguard_probe_results_total{kind="agent",outcome="neutral",reason="refused"} 2']);
  });

  it("status: the last check's ok is null, the table says no change", () => {
    const m = model();
    const monitor = new Monitor(m, () => {}, () => T0);
    const id = m.virtualServices[0]!.realServers[0]!.checkIds[0]!;
    for (const [r, want] of [[NOT_REACHED, null], [DOWN, false], [WEIGHT_ONLY, null]] as const) {
      monitor.apply(id, r, T0);
      const doc = statusDocument(monitor, pools, T0, { vrrp: () => [] });
      const last = doc.virtualServices[0]!.realServers[0]!.lastCheck!;
      assert.equal(last.ok, want, r.detail);
      const row = renderStatusTable(doc).split('\n').find((l) => l.includes('10.0.0.2:80'))!;
      assert.match(row, want === null ? /no change/ : /FAIL/);
    }
  });

  it('history: a beat of its own (n), not a down one; the time counts for the hard state it held', () => {
    const m = model();
    const monitor = new Monitor(m, () => {}, () => T0);
    const history = new ServerHistory(monitor);
    const id = m.virtualServices[0]!.realServers[0]!.checkIds[0]!;
    const feed = (r: ProbeResult, at: number) => {
      monitor.apply(id, r, at);
      history.observe(id, r, at);
    };
    feed(DOWN, T0);
    feed(NOT_REACHED, T0 + 1000);
    feed(WEIGHT_ONLY, T0 + 2000);
    const s = history.summary(m.virtualServices[0]!.key, '10.0.0.2:80', T0 + 3000)!;
    assert.equal(s.beats, 'dnn');
    assert.equal(s.state, 'down');
    // Down all along: 0-3 s known, none of it up.
    assert.deepEqual(s.lastHour, { ratio: 0, knownMs: 3000 });
  });
});
