import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deadline, offAbort, onAbort } from '../../src/lib/deadline.js';
import { settleOnce } from '../../src/lib/settle-once.js';

describe('Deadline', () => {
  it('calls each listener once with the reason set, and forgets listeners taken off', () => {
    const d = new Deadline();
    const calls: string[] = [];
    const a = () => calls.push(`a:${String(d.reason)}`);
    const b = () => calls.push('b');
    const c = () => calls.push('c');
    d.on(a);
    d.on(b);
    d.on(c);
    d.off(b);
    d.abort('late');
    d.abort('again');
    assert.deepEqual(calls, ['a:late', 'c']);
    assert.equal(d.aborted, true);
    assert.equal(d.reason, 'late');
  });

  it('gives an AbortSignal that aborts with it, whether asked for before or after', () => {
    const before = new Deadline();
    const signal = before.signal;
    let heard: unknown;
    signal.addEventListener('abort', () => (heard = signal.reason));
    assert.equal(signal.aborted, false);
    before.abort('deadline');
    assert.equal(heard, 'deadline');
    const after = new Deadline();
    after.abort('stopping');
    assert.deepEqual([after.signal.aborted, after.signal.reason], [true, 'stopping']);
    assert.equal(after.signal, after.signal, 'one signal per deadline');
  });

  it('onAbort/offAbort work the same on a Deadline and an AbortSignal', () => {
    for (const make of [() => new Deadline(), () => new AbortController()]) {
      const source = make();
      const target = source instanceof Deadline ? source : source.signal;
      let n = 0;
      const fn = () => n++;
      onAbort(target, fn);
      offAbort(target, fn);
      const kept = () => (n += 10);
      onAbort(target, kept);
      source.abort(new Error('x'));
      assert.equal(n, 10);
    }
  });

  it('settles a pending exchange with its reason and leaves no listener behind', async () => {
    const d = new Deadline();
    let cleaned = 0;
    const p = settleOnce<string>(d, () => cleaned++, () => {});
    d.abort(new Error('probe deadline'));
    await assert.rejects(p, /probe deadline/);
    assert.equal(cleaned, 1);
    const done = new Deadline();
    const added: Array<() => void> = [];
    const removed: Array<() => void> = [];
    const on = done.on.bind(done);
    const off = done.off.bind(done);
    done.on = (fn) => (added.push(fn), on(fn));
    done.off = (fn) => (removed.push(fn), off(fn));
    assert.equal(await settleOnce<string>(done, () => {}, (settle) => settle(undefined, 'ok')), 'ok');
    assert.equal(added.length, 1);
    assert.deepEqual(removed, added, 'the settled exchange took its listener off');
  });
});
