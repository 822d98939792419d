import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyResult, initialCheckState, nextDelayMs, stateType, type CheckState } from '../../src/state/check-state.js';
import type { Timing } from '../../src/model/model.js';
import { timing } from '../helpers/timing.js';

/** Runs a string of results (`+` pass, `-` fail) and returns `state/type` after each. */
function run(t: Timing, results: string): { trace: string[]; hard: string[]; final: CheckState } {
  let s = initialCheckState(t, 0);
  const trace: string[] = [];
  const hard: string[] = [];
  [...results].forEach((c, i) => {
    const { next, transitions } = applyResult(s, t, { ok: c === '+', durationMs: 1, detail: c }, i + 1);
    s = next;
    trace.push(`${s.state}/${stateType(s)}`);
    if (transitions.hard) hard.push(`${i}:${transitions.hard.from}->${transitions.hard.to}`);
  });
  return { trace, hard, final: s };
}

describe('check state: fall and rise', () => {
  const table: Array<{ name: string; timing: Partial<Timing>; results: string; trace: string[]; hard: string[] }> = [
    { name: 'fall 3: soft, soft, then hard down', timing: { fall: 3 }, results: '---', trace: ['down/soft', 'down/soft', 'down/hard'], hard: ['2:up->down'] },
    { name: 'a pass between failures resets the count', timing: { fall: 3 }, results: '--+--', trace: ['down/soft', 'down/soft', 'up/hard', 'down/soft', 'down/soft'], hard: [] },
    { name: 'fall 1 (ldirectord failurecount default) goes hard at once', timing: { fall: 1 }, results: '-', trace: ['down/hard'], hard: ['0:up->down'] },
    { name: 'rise 2: one pass is a soft recovery', timing: { fall: 1, rise: 2 }, results: '-+', trace: ['down/hard', 'up/soft'], hard: ['0:up->down'] },
    { name: 'rise 2: two passes recover hard', timing: { fall: 1, rise: 2 }, results: '-++', trace: ['down/hard', 'up/soft', 'up/hard'], hard: ['0:up->down', '2:down->up'] },
    { name: 'a failure during recovery starts rise over', timing: { fall: 1, rise: 2 }, results: '-+-++', trace: ['down/hard', 'up/soft', 'down/hard', 'up/soft', 'up/hard'], hard: ['0:up->down', '4:down->up'] },
    { name: 'rise 1 (keepalived, ldirectord): one pass recovers', timing: { fall: 2, rise: 1 }, results: '--+', trace: ['down/soft', 'down/hard', 'up/hard'], hard: ['1:up->down', '2:down->up'] },
  ];
  for (const row of table) {
    it(row.name, () => {
      const { trace, hard } = run(timing(row.timing), row.results);
      assert.deepEqual(trace, row.trace);
      assert.deepEqual(hard, row.hard);
    });
  }
});

describe('check state: alpha', () => {
  it('starts hard down and comes up on the first success even with rise 3', () => {
    const t = timing({ alpha: true, rise: 3 });
    const s0 = initialCheckState(t, 0);
    assert.equal(s0.hardState, 'down');
    const { trace, hard } = run(t, '-+-');
    assert.deepEqual(trace, ['down/hard', 'up/hard', 'down/soft']);
    assert.deepEqual(hard, ['1:down->up']);
  });
  it('without alpha starts hard up', () => {
    assert.equal(initialCheckState(timing(), 0).hardState, 'up');
  });
  it('after the first success, later recoveries need rise again', () => {
    const { hard } = run(timing({ alpha: true, rise: 2, fall: 1 }), '+-+');
    assert.deepEqual(hard, ['0:down->up', '1:up->down']);
  });
});

describe('check state: k-of-n window', () => {
  const w = { size: 5, minOk: 3 };
  it('stays up while at least minOk of the last size passed', () => {
    const { trace, hard } = run(timing({ window: w }), '--');
    assert.deepEqual(trace, ['down/soft', 'down/soft']);
    assert.deepEqual(hard, []);
  });
  it('goes hard down when fewer than minOk passed, ignoring fall', () => {
    const { hard } = run(timing({ window: w, fall: 100 }), '-+--');
    assert.deepEqual(hard, ['3:up->down']);
  });
  it('comes back when minOk of the window pass again, ignoring rise', () => {
    const { hard, final } = run(timing({ window: w, rise: 100 }), '---+++');
    assert.deepEqual(hard, ['2:up->down', '5:down->up']);
    assert.deepEqual(final.window, [false, false, true, true, true]);
  });
  it('with alpha the window starts failed and the first pass fills it', () => {
    const t = timing({ window: w, alpha: true });
    assert.deepEqual(initialCheckState(t, 0).window, [false, false, false, false, false]);
    const { hard } = run(t, '-+--');
    assert.deepEqual(hard, ['1:down->up']);
  });
});

describe('check state: cadence', () => {
  it('uses retryInterval while soft and interval while hard', () => {
    const t = timing({ fall: 3, rise: 2 });
    let s = initialCheckState(t, 0);
    assert.equal(nextDelayMs(s, t), 1000);
    s = applyResult(s, t, { ok: false, durationMs: 1, detail: '' }, 1).next;
    assert.equal(nextDelayMs(s, t), 200);
    s = applyResult(s, t, { ok: false, durationMs: 1, detail: '' }, 2).next;
    s = applyResult(s, t, { ok: false, durationMs: 1, detail: '' }, 3).next;
    assert.equal(s.hardState, 'down');
    assert.equal(nextDelayMs(s, t), 1000);
    s = applyResult(s, t, { ok: true, durationMs: 1, detail: '' }, 4).next;
    assert.equal(nextDelayMs(s, t), 200, 'recovering is soft too');
  });
  it('records the last check and when the hard state changed', () => {
    const t = timing({ fall: 1 });
    const { next } = applyResult(initialCheckState(t, 0), t, { ok: false, durationMs: 7.5, detail: 'refused', reason: 'refused' }, 42);
    assert.deepEqual(next.lastCheck, { ok: false, at: 42, durationMs: 7.5, detail: 'refused', reason: 'refused' });
    assert.equal(next.lastHardChangeAt, 42);
  });
});
