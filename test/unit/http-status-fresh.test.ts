import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { buildHttpServer, type HttpDeps } from '../../src/http/server.js';
import type { Model } from '../../src/model/model.js';

/**
 * /api/status is served from a snapshot for up to 250 ms. A drain through
 * the API must be in the very next answer (`rsguard drain` then `rsguard
 * status`); the distributed-mode takeover test read a snapshot from before
 * its drain. The clock is frozen here, so only the drain can rebuild it.
 */
describe('the status snapshot after a change through the API', () => {
  it('a drain call makes the next /api/status a new one; a refused call does not', async () => {
    let drained = false;
    let builds = 0;
    const model = { virtualServices: [{ name: 'web', key: 'tcp:10.0.0.1:80', realServers: [{ key: '10.0.0.2:80' }] }] } as unknown as Model;
    const deps = {
      status: () => ({ builds: ++builds, drained }),
      board: () => ({}),
      clock: () => 1_000,
      registry: new Registry(),
      events: () => [],
      healthy: () => ({ ok: true, detail: '' }),
      health: () => ({ ok: true }),
      vrrp: {},
      drains: {
        model: () => model,
        token: () => 'tok',
        setAdmin: () => {
          drained = true;
          return { mode: 'drain' as const };
        },
        activeConnections: async () => 0,
      },
    } as unknown as HttpDeps;
    const app = buildHttpServer(deps);
    try {
      const status = async () => JSON.parse((await app.inject({ method: 'GET', url: '/api/status' })).body) as { builds: number; drained: boolean };
      assert.deepEqual(await status(), { builds: 1, drained: false });
      // Frozen clock: the snapshot is served again (this is what could hide a drain).
      assert.deepEqual(await status(), { builds: 1, drained: false });
      const refused = await app.inject({ method: 'POST', url: '/api/drain', payload: { vs: 'web', rs: '10.0.0.2:80' } });
      assert.equal(refused.statusCode, 401);
      assert.deepEqual(await status(), { builds: 1, drained: false });
      const ok = await app.inject({ method: 'POST', url: '/api/drain', headers: { authorization: 'Bearer tok' }, payload: { vs: 'web', rs: '10.0.0.2:80' } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(await status(), { builds: 2, drained: true });
    } finally {
      await app.close();
    }
  });
});
