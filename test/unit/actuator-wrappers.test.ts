import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Actuator } from '../../src/actuators/actuator.js';
import { dryRun } from '../../src/actuators/dry-run.js';
import { fenced } from '../../src/actuators/fenced.js';

/**
 * The dry run and the leader's fence change what they name and pass the rest
 * through. The fence once dropped the plan's scope (a complete reconcile never
 * deleted a service the config no longer had), leftAlone and reconfigure. The
 * inner actuator is a class, as the real ones are, so methods on its prototype count.
 */
class Recorder {
  readonly kind = 'ipvs' as const;
  scopes: unknown[] = [];
  writes = 0;
  async plan(_d: unknown, scope?: unknown) {
    this.scopes.push(scope);
    return { commands: [], problems: [] };
  }
  async apply() {
    this.writes++;
    return { changes: [], problems: [] };
  }
  async planStop() {
    return [];
  }
  async activeConnections() {
    return 3;
  }
  async settled() {
    this.writes++;
    return [];
  }
  leftAlone(vsKey: string) {
    return { foreign: [vsKey], settings: [] };
  }
  reconfigure() {
    return ['cleanStop'];
  }
}

describe('actuator wrappers pass through what they do not change', () => {
  for (const [name, wrap] of [['fenced (leading)', (a: Actuator) => fenced(a, { valid: () => true })], ['dry run', dryRun]] as const) {
    it(`${name}: the plan's scope, leftAlone, reconfigure and reads reach the inner actuator`, async () => {
      const inner = new Recorder();
      const a = wrap(inner as unknown as Actuator);
      await a.plan([], { complete: true } as never);
      assert.deepEqual(inner.scopes, [{ complete: true }]);
      assert.deepEqual(a.leftAlone?.('tcp:1.2.3.4:80'), { foreign: ['tcp:1.2.3.4:80'], settings: [] });
      assert.deepEqual(a.reconfigure?.({} as never), ['cleanStop']);
      assert.equal(await a.activeConnections({} as never, { host: 'h', port: 1 }), 3);
      assert.equal(a.kind, 'ipvs');
    });
  }

  it('the dry run writes nothing and has no settled; the fence without the lease refuses writes', async () => {
    const inner = new Recorder();
    const d = dryRun(inner as unknown as Actuator);
    assert.equal(d.settled, undefined);
    const r = await d.apply([{ vs: 'v', command: '-a x' } as never], []);
    assert.deepEqual(r.changes.map((c) => c.applied), [false]);
    const f = fenced(inner as unknown as Actuator, { valid: () => false });
    await assert.rejects(f.apply([], []), /not the leader/);
    assert.deepEqual(await f.settled!(true), []);
    assert.equal(inner.writes, 0);
  });

  it('the fence awaits beforeWrite (the check states to Redis) before it asks the lease and writes: a lease lost meanwhile writes nothing', async () => {
    const inner = new Recorder();
    const order: string[] = [];
    let leading = true;
    let persisted: () => void = () => undefined;
    const f = fenced(inner as unknown as Actuator, {
      valid: () => (order.push('lease asked'), leading),
      beforeWrite: () => new Promise<void>((r) => (persisted = () => (order.push('persisted'), r()))),
    });
    const first = f.apply([], []);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([order, inner.writes], [[], 0], 'nothing asked or written before the states are in Redis');
    persisted();
    await first;
    assert.deepEqual([order, inner.writes], [['persisted', 'lease asked'], 1]);
    const second = f.apply([], []);
    leading = false;
    persisted();
    await assert.rejects(second, /not the leader/);
    assert.equal(inner.writes, 1);
  });
  it('a pool planned before the fence opened anew (a takeover) is not written: planned again, it is', async () => {
    const inner = new Recorder();
    let epoch = 1;
    const f = fenced(inner as unknown as Actuator, { valid: () => true, epoch: () => epoch });
    const stale: never[] = [];
    await f.plan(stale, {});
    epoch = 2; // the takeover read the last leader's states while this pool's reconcile read the balancer
    await assert.rejects(f.apply([], stale), /planned before this scheduler took over/);
    assert.equal(inner.writes, 0);
    const fresh: never[] = [];
    await f.plan(fresh, {});
    await f.apply([], fresh);
    assert.equal(inner.writes, 1);
  });
});
