import type { Model } from './model/model.js';

/**
 * A reload's stages, in order. `prepare`: what the swap needs is made, over
 * as many loop turns as it takes, while every reader still sees the running
 * model; `swap`: the model goes in (the monitor's swap:
 * status and metrics read it from then on) with what is cheap beside it;
 * `pools`: every pool planned again; `checks`: the new checks' first probes
 * last, so their connects and answers do not share a turn with the pools step.
 */
export const RELOAD_STAGES = ['prepare', 'swap', 'pools', 'checks'] as const;
export type ReloadStage = (typeof RELOAD_STAGES)[number];

/**
 * One thing a reload does, like an event sink: its stage decides what has
 * already happened when it runs. One that returns a promise is waited for
 * (`turn` gives the loop a turn between its parts); the next handler runs
 * once it settles.
 */
export interface ReloadHandler {
  stage: ReloadStage;
  name: string;
  onModel(next: Model, previous: Model, turn: () => Promise<void>): void | Promise<void>;
}

/** A loop turn with a timers phase in it: a setImmediate from an I/O callback (the loader's last part) runs before the timers. */
export const nextTurn = (): Promise<void> => new Promise<void>((r) => setImmediate(() => setImmediate(r)));

/**
 * Runs every handler, stage by stage in list order, with a loop turn between
 * two stages (a stage without handlers takes none): at 10,000 servers the
 * loop is held for the longest stage, not their sum. A handler that throws
 * or rejects (a fault of rsguard) is reported and the
 * others still run: a model half taken is worse than one step missed.
 * Returns the names of the handlers that threw.
 */
export async function runReload(handlers: readonly ReloadHandler[], next: Model, previous: Model, onError: (name: string, err: Error) => void, turn: () => Promise<void> = nextTurn): Promise<string[]> {
  const failed: string[] = [];
  let ran = false;
  for (const stage of RELOAD_STAGES) {
    const mine = handlers.filter((h) => h.stage === stage);
    if (!mine.length) continue;
    if (ran) await turn();
    ran = true;
    for (const h of mine) {
      try {
        // A handler that returns nothing is not awaited: the handlers of the swap stage run as one synchronous step.
        const pending = h.onModel(next, previous, turn);
        if (pending) await pending;
      } catch (err) {
        failed.push(h.name);
        onError(h.name, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
  return failed;
}
