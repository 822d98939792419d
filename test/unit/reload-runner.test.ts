import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Model } from '../../src/model/model.js';
import { runReload, type ReloadHandler, type ReloadStage } from '../../src/reload-runner.js';

const NEXT = { source: 'next' } as Model;
const PREVIOUS = { source: 'previous' } as Model;

describe('the reload runner', () => {
  it('runs the stages in order, list order within one, with a loop turn between two: a timer due before the run fires between the stages', async () => {
    const seen: string[] = [];
    const h = (stage: ReloadStage, name: string): ReloadHandler => ({
      stage,
      name,
      onModel: (next, previous) => {
        assert.equal(next, NEXT);
        assert.equal(previous, PREVIOUS);
        seen.push(name);
      },
    });
    // Listed out of stage order on purpose: the stage decides, not the place in the list (within a stage, the place does).
    const handlers = [h('checks', 'scheduler'), h('swap', 'monitor'), h('pools', 'pools'), h('swap', 'store'), h('checks', 'names')];
    const timer = setTimeout(() => seen.push('timer'), 0);
    // Due before the run starts, so the first timers phase the runner lets through fires it.
    const due = performance.now() + 5;
    while (performance.now() < due);
    const failed = await runReload(handlers, NEXT, PREVIOUS, (name, err) => assert.fail(`${name}: ${err.message}`));
    clearTimeout(timer);
    assert.deepEqual(failed, []);
    assert.deepEqual(seen, ['monitor', 'store', 'timer', 'pools', 'scheduler', 'names']);
  });

  it('without a loop turn the timer would wait for the whole reload (the test above can fail)', async () => {
    const seen: string[] = [];
    const handlers: ReloadHandler[] = (['swap', 'pools', 'checks'] as const).map((stage) => ({ stage, name: stage, onModel: () => void seen.push(stage) }));
    const timer = setTimeout(() => seen.push('timer'), 0);
    const due = performance.now() + 5;
    while (performance.now() < due);
    await runReload(handlers, NEXT, PREVIOUS, () => undefined, () => Promise.resolve());
    clearTimeout(timer);
    assert.deepEqual(seen, ['swap', 'pools', 'checks']);
  });

  it('waits for a handler that returns a promise (its parts take loop turns) before the next runs; a stage with no handler takes no turn', async () => {
    const seen: string[] = [];
    let turns = 0;
    const turn = async () => {
      turns++;
      seen.push('turn');
    };
    const handlers: ReloadHandler[] = [
      {
        stage: 'prepare',
        name: 'parts',
        onModel: async (_next, _previous, t) => {
          for (const part of ['part 1', 'part 2']) {
            seen.push(part);
            await t();
          }
        },
      },
      { stage: 'swap', name: 'swap', onModel: () => void seen.push('swap') },
      { stage: 'checks', name: 'checks', onModel: () => void seen.push('checks') },
    ];
    assert.deepEqual(await runReload(handlers, NEXT, PREVIOUS, (name, err) => assert.fail(`${name}: ${err.message}`), turn), []);
    // No pools handler: one turn between swap and checks, not two.
    assert.deepEqual(seen, ['part 1', 'turn', 'part 2', 'turn', 'turn', 'swap', 'turn', 'checks']);
    assert.equal(turns, 4);
  });

  it('reports a handler whose promise rejects, and the swap still runs', async () => {
    const seen: string[] = [];
    const handlers: ReloadHandler[] = [
      { stage: 'prepare', name: 'prepare', onModel: () => Promise.reject(new Error('a bug')) },
      { stage: 'swap', name: 'swap', onModel: () => void seen.push('swap') },
    ];
    const errors: string[] = [];
    assert.deepEqual(await runReload(handlers, NEXT, PREVIOUS, (name, err) => errors.push(`${name}: ${err.message}`)), ['prepare']);
    assert.deepEqual(errors, ['prepare: a bug']);
    assert.deepEqual(seen, ['swap']);
  });

  it('reports a throwing handler by name and still runs the others, those of later stages too', async () => {
    const seen: string[] = [];
    const errors: Array<[string, string]> = [];
    const handlers: ReloadHandler[] = [
      { stage: 'swap', name: 'first', onModel: () => void seen.push('first') },
      {
        stage: 'swap',
        name: 'broken',
        onModel: () => {
          throw new Error('a bug');
        },
      },
      { stage: 'swap', name: 'after it', onModel: () => void seen.push('after it') },
      { stage: 'checks', name: 'last', onModel: () => void seen.push('last') },
    ];
    const failed = await runReload(handlers, NEXT, PREVIOUS, (name, err) => errors.push([name, err.message]));
    assert.deepEqual(failed, ['broken']);
    assert.deepEqual(errors, [['broken', 'a bug']]);
    assert.deepEqual(seen, ['first', 'after it', 'last']);
  });
});
