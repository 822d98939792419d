import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import { Monitor } from '../../src/engine/monitor.js';
import { ServerHistory } from '../../src/history/server-history.js';
import { CachedJson } from '../../src/http/cached-json.js';
import { STATUS_PAGE_SCRIPT } from '../../src/http/status-page-script.js';
import { statusBoard } from '../../src/read/status-board.js';
import { statusDocument, type PoolReader } from '../../src/read/status-document.js';
import type { ProbeResult } from '../../src/probes/types.js';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);

/** The pool side as a freshly started daemon has it: no plan yet, nothing drained but `drained`. */
function pools(drained: Record<string, string[]> = {}): PoolReader {
  return {
    plan: () => undefined,
    drained: (vs) => new Set(drained[vs] ?? []),
    heldBySafetyValve: () => new Set(),
    balancerStatus: () => ({ kind: 'none', ok: true, lastError: null, lastReconcileAt: null, problems: [] }),
    leftAlone: () => undefined,
    serverRecords: () => [],
  };
}
const noVrrp = { vrrp: () => [] };

function farm(services: number, perService: number) {
  const lines = ['global: { checkDefaults: { interval: 2s, timeout: 1s, fall: 2, rise: 1 } }', 'virtualServices:'];
  for (let v = 0; v < services; v++) {
    lines.push(`  - name: svc-${v}`, `    address: 198.51.100.${v + 1}:80`, '    checks: [{ kind: tcp }]', '    realServers:');
    for (let s = 0; s < perService; s++) lines.push(`      - { address: 10.${v}.${s >> 8}.${(s & 255) + 1}:8080 }`);
  }
  return loadYamlText('farm.yaml', `${lines.join('\n')}\n`);
}

describe('status board: what the page draws', () => {
  it('the page script parses (it is a string, so tsc never sees it)', () => {
    assert.doesNotThrow(() => new Function(STATUS_PAGE_SCRIPT));
    assert.ok(!STATUS_PAGE_SCRIPT.includes('innerHTML'), 'server text goes in as text only');
  });

  it('carries state, drain, history and availability per server, and the drain API key', () => {
    const m = farm(1, 2);
    const monitor = new Monitor(m, () => {}, () => T0);
    const history = new ServerHistory(monitor);
    const vs = m.virtualServices[0]!;
    const [a, b] = vs.realServers;
    const feed = (id: string, r: ProbeResult, at: number) => {
      monitor.apply(id, r, at);
      history.observe(id, r, at);
    };
    for (let i = 0; i < 4; i++) {
      feed(a!.checkIds[0]!, { ok: true, durationMs: 1.234, detail: 'connected' }, T0 + i * 2000);
      feed(b!.checkIds[0]!, { ok: false, durationMs: 0.5, detail: 'connection refused', reason: 'refused' }, T0 + i * 2000);
    }
    const doc = statusDocument(monitor, pools({ [vs.key]: [a!.key] }), T0 + 6000, noVrrp);
    const board = statusBoard(doc, history, T0 + 6000, true);
    assert.equal(board.writable, true);
    const [sa, sb] = board.services[0]!.servers;
    assert.equal(board.services[0]!.where, 'TCP 198.51.100.1:80');
    assert.deepEqual(
      { key: sa!.key, state: sa!.state, drained: sa!.drained, beats: sa!.beats, ms: sa!.ms, hour: sa!.hour, lastMs: sa!.lastMs, sinceStart: sa!.sinceStart },
      { key: '10.0.0.1:8080', state: 'up', drained: true, beats: 'uuuu', ms: [1.2, 1.2, 1.2, 1.2], hour: 1, lastMs: 1.2, sinceStart: true },
    );
    assert.deepEqual({ state: sb!.state, beats: sb!.beats, since: sb!.since, detail: sb!.detail, hour: sb!.hour }, { state: 'down', beats: 'fddd', since: T0 + 2000, detail: 'connection refused', hour: 0.33333 });
  });

  it('5,000 servers with full bars: size and build time of one board', () => {
    const m = farm(100, 50);
    const monitor = new Monitor(m, () => {}, () => T0);
    const history = new ServerHistory(monitor);
    for (let round = 0; round < 60; round++) {
      for (const vs of m.virtualServices) {
        for (const rs of vs.realServers) {
          const r: ProbeResult = { ok: true, durationMs: 0.3 + ((round * 7 + rs.port) % 13) / 10, detail: 'connected' };
          monitor.apply(rs.checkIds[0]!, r, T0 + round * 2000);
          history.observe(rs.checkIds[0]!, r, T0 + round * 2000);
        }
      }
    }
    const now = T0 + 120_000;
    const started = performance.now();
    const text = JSON.stringify(statusBoard(statusDocument(monitor, pools(), now, noVrrp), history, now, false));
    const buildMs = performance.now() - started;
    const gz = gzipSync(text, { level: 1 }).length;
    console.log(`# board of 5,000 servers, 60 beats each: ${(text.length / 1e6).toFixed(2)} MB (${(gz / 1e6).toFixed(2)} MB gzipped), built in ${buildMs.toFixed(0)} ms`);
    assert.ok(text.includes('"beats":"' + 'u'.repeat(60) + '"'));
    // Bounded per server: a full bar adds its 60 results, not a growing log.
    assert.ok(text.length / 5000 < 1000, String(text.length / 5000));
    assert.ok(gz < text.length / 4);
  });

  it('a snapshot that costs much is kept longer, so rebuilding takes at most its share of the event loop', () => {
    let now = 0;
    let builds = 0;
    const costly = new CachedJson(() => {
      builds++;
      const until = performance.now() + 30;
      while (performance.now() < until);
      return { builds };
    }, () => now, 100, 0.1);
    costly.gzipped();
    assert.equal(builds, 1);
    // 30 ms of work at most a tenth of the time: not again before 300 ms, although maxAge is 100 ms.
    assert.ok(costly.ageLimitMs >= 300, String(costly.ageLimitMs));
    now = 150;
    costly.get();
    assert.equal(builds, 1);
    now = 150 + costly.ageLimitMs;
    costly.get();
    assert.equal(builds, 2);
    // A cheap document is rebuilt at its maxAge.
    let cheap = 0;
    const fast = new CachedJson(() => ++cheap, () => now, 100, 0.1);
    fast.get();
    now += 100;
    fast.get();
    assert.equal(cheap, 2);
  });

  it('never serves a snapshot of another config, however young (a reload between two reads)', () => {
    let now = 0;
    let config = { name: 'before' };
    const doc = new CachedJson(() => ({ servers: config.name }), () => now, 250, 1, () => config);
    assert.equal(doc.get(), '{"servers":"before"}');
    now = 10;
    assert.equal(doc.get(), '{"servers":"before"}', 'young and of the same config: served again');
    config = { name: 'after' };
    now = 20;
    assert.equal(doc.get(), '{"servers":"after"}');
  });
});
