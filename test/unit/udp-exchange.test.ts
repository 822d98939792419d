import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

/**
 * A UDP check whose destination has no route: connect() hands ENETUNREACH to
 * its callback, and sending anyway threw past every handler and ended the
 * daemon (found by the differential test: a UDP_CHECK and a ping virtual in
 * keepalived's and ldirectord's samples). Run in a network namespace of its
 * own, whose loopback is down, so nothing has a route and nothing leaves.
 */
describe('udpExchange to a destination with no route', () => {
  it('rejects with the error (a failed check), and the process lives on', () => {
    const mod = new URL('../../src/lib/udp-exchange.js', import.meta.url).href;
    const script = `const { udpExchange } = await import(${JSON.stringify(mod)}); try { await udpExchange('127.0.0.1', 9, () => 'x', AbortSignal.timeout(2000), () => true); console.log('answered'); } catch (e) { console.log('rejected ' + (e.code ?? e.message)); }`;
    const r = spawnSync('unshare', ['-n', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'rejected ENETUNREACH');
  });
});
