import type { Model } from './model/model.js';

/**
 * A reload's stages, in order. `swap`: the model goes in (the monitor's swap:
 * status and metrics read it from then on) with what is cheap beside it;
 * `pools`: every pool planned again; `checks`: the new checks' first probes
 * last, so their connects and answers do not share a turn with the pools step.
 */
export const RELOAD_STAGES = ['swap', 'pools', 'checks'] as const;
export type ReloadStage = (typeof RELOAD_STAGES)[number];

/** One thing a reload does, like an event sink: its stage decides what has already happened when it runs. */
export interface ReloadHandler {
  stage: ReloadStage;
  name: string;
  onModel(next: Model, previous: Model): void;
}

/** A loop turn with a timers phase in it: a setImmediate from an I/O callback (the loader's last part) runs before the timers. */
export const nextTurn = (): Promise<void> => new Promise<void>((r) => setImmediate(() => setImmediate(r)));

/**
 * Runs every handler, stage by stage in list order, with a loop turn between
 * two stages: at 10,000 servers the loop is held for the longest stage, not
 * their sum. A handler that throws (a fault of rsguard) is reported and the
 * others still run: a model half taken is worse than one step missed.
 * Returns the names of the handlers that threw.
 */
export async function runReload(handlers: readonly ReloadHandler[], next: Model, previous: Model, onError: (name: string, err: Error) => void, turn: () => Promise<void> = nextTurn): Promise<string[]> {
  const failed: string[] = [];
  for (const [i, stage] of RELOAD_STAGES.entries()) {
    if (i > 0) await turn();
    for (const h of handlers) {
      if (h.stage !== stage) continue;
      try {
        h.onModel(next, previous);
      } catch (err) {
        failed.push(h.name);
        onError(h.name, err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
  return failed;
}
