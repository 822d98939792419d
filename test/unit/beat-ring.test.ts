import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import { Monitor } from '../../src/engine/monitor.js';
import { BEATS, BeatRing, RING_PAYLOAD_BYTES } from '../../src/history/beat-ring.js';
import { ServerHistory } from '../../src/history/server-history.js';
import type { ProbeResult } from '../../src/probes/types.js';

const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;

const OK: ProbeResult = { ok: true, durationMs: 2.25, detail: 'ok' };
const DOWN: ProbeResult = { ok: false, durationMs: 9, detail: 'refused', reason: 'refused' };
const ERROR: ProbeResult = { ok: false, durationMs: 0.5, detail: 'EMFILE', reason: 'error', error: 'descriptors' };

describe('beat ring: bounded history of one server', () => {
  it('keeps only the last BEATS results, oldest first, whatever is recorded', () => {
    const r = new BeatRing(T0);
    for (let i = 0; i < BEATS * 3 + 7; i++) r.record(T0 + i * 1000, i % 2 ? 'down' : 'up', i, 10_000);
    const beats = r.beats();
    assert.equal(beats.length, BEATS);
    assert.equal(r.letters().length, BEATS);
    // The newest is the last recorded (i = BEATS*3+6, even: up), the oldest BEATS-1 before it.
    const last = BEATS * 3 + 6;
    assert.deepEqual(beats.at(-1), { beat: 'up', durationMs: last });
    assert.deepEqual(beats[0], { beat: (last - BEATS + 1) % 2 ? 'down' : 'up', durationMs: last - BEATS + 1 });
    assert.match(r.letters(), /^(du)+$/);
  });

  it('fewer results than the ring holds: only those, in order', () => {
    const r = new BeatRing(T0);
    r.record(T0, 'up', 1.5, 10_000);
    r.record(T0 + 1000, 'failing', 2, 10_000);
    r.record(T0 + 2000, 'down', 3, 10_000);
    r.record(T0 + 3000, 'error', 0.25, 10_000);
    r.record(T0 + 4000, 'rising', 4, 10_000);
    assert.equal(r.letters(), 'ufder');
    assert.deepEqual(r.beats().map((b) => b.durationMs), [1.5, 2, 3, 0.25, 4]);
  });

  it('availability is time-weighted by hard state: failing counts as up, rising as down, check errors as unknown', () => {
    const r = new BeatRing(T0);
    // 10 s up, 10 s failing (still up), 20 s down, 10 s rising (still down), 10 s check error, then up.
    const plan: Array<[number, 'up' | 'failing' | 'down' | 'rising' | 'error']> = [[0, 'up'], [10, 'failing'], [20, 'down'], [40, 'rising'], [50, 'error'], [60, 'up']];
    for (const [s, b] of plan) r.record(T0 + s * 1000, b, 1, 30_000);
    const now = T0 + 60_000;
    const h = r.lastHour(now);
    // Known: 0-50 s (the error's 10 s is not known); up: 0-20 s.
    assert.equal(h.knownMs, 50_000);
    assert.equal(h.ratio, 20_000 / 50_000);
    assert.deepEqual(r.lastDay(now), h);
  });

  it('no result for longer than the allowed gap is unknown time, not the last state', () => {
    const r = new BeatRing(T0);
    r.record(T0, 'down', 1, 5_000);
    // The next result comes 100 s later: only 5 s of it count as down.
    r.record(T0 + 100_000, 'up', 1, 5_000);
    const at = r.lastHour(T0 + 100_000);
    assert.equal(at.knownMs, 5_000);
    assert.equal(at.ratio, 0);
    // The time since the last beat counts as it goes, up to the gap: 3 s up now, 5 s at most later.
    assert.deepEqual(r.lastHour(T0 + 103_000), { ratio: 3_000 / 8_000, knownMs: 8_000 });
    assert.deepEqual(r.lastHour(T0 + 500_000), { ratio: 5_000 / 10_000, knownMs: 10_000 });
  });

  it('the hour forgets what is older than an hour; the day still has it', () => {
    const r = new BeatRing(T0);
    // Down for 30 minutes, one result a minute, then up for two hours.
    let t = T0;
    for (; t < T0 + 30 * MIN; t += MIN) r.record(t, 'down', 1, 3 * MIN);
    for (; t <= T0 + 150 * MIN; t += MIN) r.record(t, 'up', 1, 3 * MIN);
    const now = T0 + 150 * MIN;
    const hour = r.lastHour(now);
    assert.equal(hour.ratio, 1, 'the last hour was all up');
    assert.ok(hour.knownMs >= 59 * MIN && hour.knownMs <= 61 * MIN, String(hour.knownMs));
    const day = r.lastDay(now);
    assert.equal(day.knownMs, 150 * MIN);
    assert.equal(day.ratio, 120 / 150);
    // A day and more later with nothing recorded: nothing is known in either window.
    assert.deepEqual(r.lastDay(now + 26 * HOUR), { ratio: null, knownMs: 0 });
    assert.deepEqual(r.lastHour(now + 2 * HOUR), { ratio: null, knownMs: 0 });
  });

  it('a gap longer than the whole window does not loop over it, and slots are reused by later hours', () => {
    const r = new BeatRing(T0);
    r.record(T0, 'up', 1, 1000 * HOUR);
    const started = performance.now();
    r.record(T0 + 900 * HOUR, 'down', 1, 1000 * HOUR);
    assert.ok(performance.now() - started < 50);
    const day = r.lastDay(T0 + 900 * HOUR);
    assert.equal(day.ratio, 1);
    assert.ok(day.knownMs <= 24 * HOUR && day.knownMs >= 23 * HOUR, String(day.knownMs));
  });

  it('time in the current state: the first state is "since following", a change is dated by its beat, errors change nothing', () => {
    const r = new BeatRing(T0);
    assert.equal(r.current(), undefined);
    r.record(T0 + 500, 'up', 1, 10_000);
    assert.deepEqual(r.current(), { state: 'up', since: T0, sinceStart: true });
    r.record(T0 + 1500, 'failing', 1, 10_000);
    r.record(T0 + 2500, 'error', 1, 10_000);
    assert.deepEqual(r.current(), { state: 'up', since: T0, sinceStart: true });
    r.record(T0 + 3500, 'down', 1, 10_000);
    assert.deepEqual(r.current(), { state: 'down', since: T0 + 3500, sinceStart: false });
    r.record(T0 + 4500, 'rising', 1, 10_000);
    assert.deepEqual(r.current(), { state: 'down', since: T0 + 3500, sinceStart: false });
  });

  it('memory per server is fixed: the payload stays the same however much is recorded', () => {
    assert.equal(RING_PAYLOAD_BYTES, 672);
    const r = new BeatRing(T0);
    const words = (r as unknown as { words: Uint32Array }).words;
    for (let i = 0; i < 10_000; i++) r.record(T0 + i * 7_000, i % 5 ? 'up' : 'down', 3, 30_000);
    assert.equal((r as unknown as { words: Uint32Array }).words, words);
    assert.equal(words.byteLength, RING_PAYLOAD_BYTES);
  });
});

function model(servers: string[], interval = '1s') {
  return loadYamlText(
    'h.yaml',
    `global: { checkDefaults: { interval: ${interval}, timeout: 500ms, fall: 2, rise: 1 } }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    checks: [{ kind: tcp }]
    realServers:
${servers.map((s) => `      - { address: ${s}:80 }`).join('\n')}
`,
  );
}

function checkOf(m: ReturnType<typeof model>, rs: string): string {
  return m.virtualServices[0]!.realServers.find((r) => r.key === rs)!.checkIds[0]!;
}

describe('server history: rings per real server, following reloads', () => {
  it('beats say what the result meant for the server after the Monitor applied it (fall 2: first failure is soft)', () => {
    const m = model(['10.0.0.2']);
    const monitor = new Monitor(m, () => {}, () => T0);
    const history = new ServerHistory(monitor);
    const id = checkOf(m, '10.0.0.2:80');
    const feed = (r: ProbeResult, at: number) => {
      monitor.apply(id, r, at);
      history.observe(id, r, at);
    };
    feed(OK, T0);
    feed(DOWN, T0 + 1000);
    feed(DOWN, T0 + 2000);
    feed(ERROR, T0 + 3000);
    feed(OK, T0 + 4000);
    const s = history.summary(m.virtualServices[0]!.key, '10.0.0.2:80', T0 + 4000)!;
    assert.equal(s.beats, 'ufdeu');
    assert.deepEqual(s.durationsMs, [2.3, 9, 9, 0.5, 2.3]);
    assert.equal(s.state, 'up');
    assert.equal(s.since, T0 + 4000);
    // Up 0-2 s, down 2-3 s, unknown 3-4 s (check error).
    assert.deepEqual(s.lastHour, { ratio: 2 / 3, knownMs: 3000 });
  });

  it('a reload keeps the history of servers it keeps (even when their check changes) and drops removed servers at once', () => {
    const before = model(['10.0.0.2', '10.0.0.3']);
    const monitor = new Monitor(before, () => {}, () => T0);
    const history = new ServerHistory(monitor);
    for (const rs of ['10.0.0.2:80', '10.0.0.3:80']) {
      const id = checkOf(before, rs);
      for (let i = 0; i < 3; i++) {
        monitor.apply(id, OK, T0 + i * 1000);
        history.observe(id, OK, T0 + i * 1000);
      }
    }
    const vs = before.virtualServices[0]!.key;
    assert.equal(history.size(), 2);
    // New timing: new check ids; 10.0.0.3 removed, 10.0.0.4 added.
    const after = model(['10.0.0.2', '10.0.0.4'], '2s');
    assert.notEqual(checkOf(after, '10.0.0.2:80'), checkOf(before, '10.0.0.2:80'));
    monitor.reload(after);
    assert.equal(history.size(), 1, 'the removed server\'s ring went with the reload');
    assert.equal(history.summary(vs, '10.0.0.3:80', T0 + 3000), undefined);
    assert.equal(history.summary(vs, '10.0.0.2:80', T0 + 3000)?.beats, 'uuu');
    // Outcomes of the old check id (in flight across the reload) are no one's now; the new id feeds the kept ring.
    history.observe(checkOf(before, '10.0.0.2:80'), DOWN, T0 + 3000);
    const id = checkOf(after, '10.0.0.2:80');
    monitor.apply(id, OK, T0 + 4000);
    history.observe(id, OK, T0 + 4000);
    assert.equal(history.summary(vs, '10.0.0.2:80', T0 + 4000)?.beats, 'uuuu');
    assert.equal(history.summary(vs, '10.0.0.4:80', T0 + 4000), undefined, 'no ring before its first result');
  });

  it('memory per server at 10,000 servers, measured', () => {
    const m = model(Array.from({ length: 10_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`));
    const monitor = new Monitor(m, () => {}, () => T0);
    const history = new ServerHistory(monitor);
    const vs = m.virtualServices[0]!;
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage();
    for (const rs of vs.realServers) history.observe(rs.checkIds[0]!, OK, T0);
    (globalThis as { gc?: () => void }).gc?.();
    const after = process.memoryUsage();
    assert.equal(history.size(), 10_000);
    const perServer = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 10_000;
    console.log(`# history memory: ${Math.round(perServer)} bytes per server, ${((perServer * 10_000) / 1e6).toFixed(1)} MB at 10,000 servers (payload ${RING_PAYLOAD_BYTES} B)`);
    // Payload plus the ring object and its map entry; generous bound, the figure is in the log.
    assert.ok(perServer < 4 * RING_PAYLOAD_BYTES, String(perServer));
  });
});
