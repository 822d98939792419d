import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLAP_HISTORY, flapPercent, initialFlap, recordFlap } from '../../src/state/flap.js';

const seq = (s: string) => [...s].map((c) => c === '+');

describe('flap percentage (Nagios weights)', () => {
  const table: Array<{ name: string; history: string; percent: number }> = [
    { name: 'no changes', history: '+++++++++++++++++++++', percent: 0 },
    // 20 changes, weights 0.75..1.25 sum to 20 → 100 %
    { name: 'every result changes', history: '+-+-+-+-+-+-+-+-+-+-+', percent: 100 },
    // one change, in the newest slot: weight 1.25 → 6.25 %
    { name: 'one change, newest', history: '++++++++++++++++++++-', percent: 6.25 },
    // one change, in the oldest slot: weight 0.75 → 3.75 %
    { name: 'one change, oldest', history: '+--------------------', percent: 3.75 },
    // a short history is padded with its oldest value: one newest change weighs the same as in a full one
    { name: 'short history, newest change', history: '++-', percent: 6.25 },
  ];
  for (const row of table) {
    it(row.name, () => assert.ok(Math.abs(flapPercent(seq(row.history)) - row.percent) < 1e-9, `${flapPercent(seq(row.history))} != ${row.percent}`));
  }
});

describe('flapping with hysteresis', () => {
  const thresholds = { low: 20, high: 30 };
  it('starts at ≥ high, holds between the thresholds, stops at ≤ low', () => {
    let f = initialFlap();
    const marks: string[] = [];
    const feed = (s: string) => {
      for (const ok of seq(s)) {
        const was = f.flapping;
        f = recordFlap(f, ok, thresholds);
        if (f.flapping !== was) marks.push(`${f.flapping ? 'start' : 'stop'}@${f.percent.toFixed(1)}`);
      }
    };
    feed('+-+-+-+');
    assert.equal(f.flapping, true);
    assert.ok(f.percent >= 30);
    feed('++++++++');
    assert.equal(f.flapping, true, 'between the thresholds it stays flapping');
    feed('++++++++++++');
    assert.equal(f.flapping, false);
    assert.equal(marks.length, 2);
    assert.equal(f.history.length, FLAP_HISTORY);
  });
  it('never flaps when detection is off', () => {
    let f = initialFlap();
    for (const ok of seq('+-+-+-+-+-+-')) f = recordFlap(f, ok, null);
    assert.equal(f.flapping, false);
  });
});

describe('recordFlap steady state', () => {
  it('gives back the same object for a full, unchanging history (no copy per result), and still counts the next change', () => {
    let f = initialFlap();
    for (let i = 0; i < FLAP_HISTORY; i++) f = recordFlap(f, true, { low: 20, high: 30 });
    const steady = recordFlap(f, true, { low: 20, high: 30 });
    assert.equal(steady, f);
    const changed = recordFlap(steady, false, { low: 20, high: 30 });
    assert.notEqual(changed, steady);
    assert.equal(changed.history.at(-1), false);
    assert.equal(changed.percent, flapPercent(changed.history));
    assert.ok(changed.percent > 0);
  });

  it('every steady check shares one state per value (memory per check), reached by either path, even from a loaded copy', () => {
    const steadyOf = (ok: boolean, start = initialFlap()) => {
      let f = start;
      for (let i = 0; i < FLAP_HISTORY + 3; i++) f = recordFlap(f, ok, { low: 20, high: 30 });
      return f;
    };
    assert.equal(steadyOf(true), steadyOf(true));
    assert.equal(steadyOf(false), steadyOf(false));
    assert.notEqual(steadyOf(true), steadyOf(false));
    // Recovered from flapping back to a full history of passes: the shared one too.
    const flapped = steadyOf(true, steadyOf(false));
    assert.equal(flapped, steadyOf(true));
    // A state file's copy (JSON): the next result of the same value gives the shared one.
    const loaded = JSON.parse(JSON.stringify(steadyOf(true)));
    assert.equal(recordFlap(loaded, true, { low: 20, high: 30 }), steadyOf(true));
    assert.ok(Object.isFrozen(steadyOf(true).history), 'shared: nobody may change it in place');
  });
});
