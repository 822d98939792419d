import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FpmPoolReadings } from '../../src/metrics/fpm-pool-readings.js';
import type { RealServerDef } from '../../src/model/model.js';
import type { FpmPoolStatus } from '../../src/probes/fpm-pool-status.js';

const pool = (listenQueue: number): FpmPoolStatus => ({ listenQueue, listenQueueLen: 511, activeProcesses: 2, idleProcesses: 0, totalProcesses: 2, maxChildrenReached: 0, slowRequests: 0, acceptedConn: 9 });
const rs = (...checkIds: string[]) => ({ checkIds }) as unknown as RealServerDef;

describe('php-fpm pool readings for the gauges', () => {
  it('keeps the latest status per check and gives a server its first check that read one', () => {
    const r = new FpmPoolReadings();
    r.observe('tcp', { ok: true, durationMs: 1, detail: '' });
    r.observe('fpm', { ok: true, durationMs: 1, detail: '', fpmPool: pool(1) });
    r.observe('fpm', { ok: false, durationMs: 1, detail: '', reason: 'status', fpmPool: pool(7) });
    assert.equal(r.forServer(rs('tcp', 'fpm'))?.listenQueue, 7);
    assert.equal(r.forServer(rs('tcp')), undefined);
  });
  it('drops a reading when the check could not read the status, rather than showing an old one', () => {
    const r = new FpmPoolReadings();
    r.observe('fpm', { ok: true, durationMs: 1, detail: '', fpmPool: pool(3) });
    assert.ok(r.forServer(rs('fpm')));
    r.observe('fpm', { ok: false, durationMs: 1000, detail: 'status at :9001: timed out', reason: 'timeout' });
    assert.equal(r.forServer(rs('fpm')), undefined);
  });
  it('forgets checks a reload removed', () => {
    const r = new FpmPoolReadings();
    r.observe('old', { ok: true, durationMs: 1, detail: '', fpmPool: pool(3) });
    r.observe('kept', { ok: true, durationMs: 1, detail: '', fpmPool: pool(4) });
    r.keepOnly(new Map([['kept', {}]]));
    assert.equal(r.forServer(rs('old')), undefined);
    assert.equal(r.forServer(rs('kept'))?.listenQueue, 4);
  });
  it('prunes once per model, not at every scrape; a reading that comes after the prune for a removed check still goes', () => {
    const r = new FpmPoolReadings();
    let lookups = 0;
    const checks = new (class extends Map<string, unknown> {
      override has(k: string) {
        lookups++;
        return super.has(k);
      }
    })([['a', {}], ['b', {}]]);
    r.observe('a', { ok: true, durationMs: 1, detail: '', fpmPool: pool(1) });
    r.observe('b', { ok: true, durationMs: 1, detail: '', fpmPool: pool(2) });
    r.keepOnly(checks);
    const once = lookups;
    for (let i = 0; i < 10; i++) r.keepOnly(checks);
    r.observe('a', { ok: true, durationMs: 1, detail: '', fpmPool: pool(3) });
    r.keepOnly(checks);
    assert.equal(lookups, once, 'no walk while nothing can be dropped');
    // A result in flight across the reload, of a check the model no longer has.
    r.observe('gone', { ok: true, durationMs: 1, detail: '', fpmPool: pool(9) });
    r.keepOnly(checks);
    assert.equal(r.forServer(rs('gone')), undefined);
    assert.equal(r.forServer(rs('a'))?.listenQueue, 3);
  });
});
