import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { weightPercentFor } from '../../src/probes/queue-weight.js';
import { saturatePhpFpm, startPhpFpm, type PhpFpm } from '../helpers/php-fpm.js';
import { waitFor } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';

// From this helper's own range (fpmstatus: 24500-24999).
const POOL_PORT = 24510;
const STATUS_PORT = 24511;
const SLEEP_S = 3;

const TCP = { host: '127.0.0.1', port: POOL_PORT };
const viaStatusListen = { statusPath: '/status', statusAddress: `:${STATUS_PORT}` };

describe('fpm check on a saturated php-fpm 8.2 pool (pm.max_children 2, requests sleeping 3 s)', () => {
  let fpm: PhpFpm;
  before(async () => (fpm = await startPhpFpm(POOL_PORT, { statusListen: STATUS_PORT })));
  after(() => fpm.stop());

  it('reads the pool through pm.status_listen while idle: up, queue 0, weight 100%', async () => {
    const r = await probe('fpm', TCP, { ...viaStatusListen, maxListenQueue: 2, weightByQueue: { from: 0, to: 2 } });
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.fpmPool?.listenQueue, 0);
    assert.equal(r.fpmPool?.totalProcesses, 2);
    assert.equal(r.weightPercent, 100);
    assert.match(r.detail, /^pong \(listen queue 0, active \d\/2/);
  });

  it('sees the queue on the status socket and takes the server out, where the old path times out', async () => {
    const load = saturatePhpFpm(fpm, 8, SLEEP_S);
    try {
      // The thing the check must see: 2 busy workers and the other 6 requests queued (php-fpm counts them).
      const seen = await waitFor('the pool to queue requests', async () => {
        const r = await probe('fpm', TCP, { ...viaStatusListen, ping: false });
        return r.fpmPool && r.fpmPool.listenQueue >= 4 ? r : undefined;
      });
      assert.equal(seen.fpmPool?.activeProcesses, 2);
      assert.equal(seen.fpmPool?.idleProcesses, 0);

      const t0 = performance.now();
      const out = await probe('fpm', TCP, { ...viaStatusListen, maxListenQueue: 2 }, 1000);
      const took = performance.now() - t0;
      assert.deepEqual([out.ok, out.reason, out.error], [false, 'status', undefined], out.detail);
      assert.match(out.detail, /^listen queue \d+ > 2 \(listen queue \d+, active 2\/2, idle 0, max children reached \d+, slow \d+\)$/);
      // Answered by php-fpm's own status process, not after a worker: well inside the 1000 ms timeout.
      assert.ok(took < 500, `status read took ${took} ms`);

      const weighed = await probe('fpm', TCP, { ...viaStatusListen, ping: false, weightByQueue: { from: 1, to: 9, floorPercent: 10 } }, 1000);
      assert.equal(weighed.ok, true, weighed.detail);
      assert.ok(weighed.weightPercent! < 100, weighed.detail);
      assert.equal(weighed.weightPercent, weightPercentFor(weighed.fpmPool!.listenQueue, { from: 1, to: 9, floorPercent: 10 }));

      // The old path: ping and status on the pool's own socket wait behind the sleeping requests.
      const old = await probe('fpm', TCP, { statusPath: '/status', maxListenQueue: 2 }, 1000);
      assert.deepEqual([old.ok, old.reason], [false, 'timeout'], old.detail);
      assert.equal(old.fpmPool, undefined);
    } finally {
      load.close();
    }
  });

  it('is refused when nothing listens on the status address', async () => {
    const r = await probe('fpm', TCP, { statusPath: '/status', statusAddress: ':24512' });
    assert.deepEqual([r.ok, r.reason], [false, 'refused']);
    assert.match(r.detail, /^status at :24512: connection refused/);
  });
});
