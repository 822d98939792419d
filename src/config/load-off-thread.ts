import { Worker } from 'node:worker_threads';
import { ConfigError, type ConfigIssue } from './errors.js';
import { loadConfig, type ConfigFormat, type LoadOptions } from './load.js';
import type { Model } from '../model/model.js';
import { ModelAssembler, type ModelPart } from './model-parts.js';

type Reply = { parts: number } | { part: ModelPart } | { issues: ConfigIssue[] } | { error: string };

/**
 * loadConfig on a worker thread, for reloads: parsing, validating and
 * building 10,000 servers took 1.3 s of CPU, and on the daemon's thread every
 * check due in that time waited for it. The model comes back by structured
 * clone (Maps and plain objects only) in parts (model-parts.ts), one per
 * loop turn: its swap into the daemon is still one step, once every part is
 * in. If no worker can be started (no
 * memory, no descriptors: rsguard's own trouble, not the config's), the load
 * runs here as before.
 */
export function loadConfigOffThread(file: string, format: ConfigFormat | undefined, opts: LoadOptions = {}, onFallback: (why: string) => void = () => {}): Promise<Model> {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: { file, format, opts } });
  } catch (err) {
    onFallback((err as Error).message);
    return loadConfig(file, format, opts);
  }
  return new Promise<Model>((resolve, reject) => {
    let settled = false;
    const model = new ModelAssembler();
    let parts = 0;
    let got = 0;
    const finish = (done: () => void) => {
      settled = true;
      done();
      void worker.terminate();
    };
    worker.on('message', (reply: Reply) => {
      if ('parts' in reply) {
        parts = reply.parts;
        worker.postMessage(0);
      } else if ('part' in reply) {
        model.add(reply.part);
        if (++got === parts) finish(() => resolve(model.done()));
        // The next part a turn later: timers and answers that came meanwhile run first.
        else setImmediate(() => worker.postMessage(got));
      } else if ('issues' in reply) finish(() => reject(new ConfigError(reply.issues)));
      else finish(() => reject(new Error(reply.error)));
    });
    // The worker itself failed or ended without a reply (not the config's fault): load here instead, and say so
    // (a module the worker could not load made every reload block the loop, unseen).
    const here = (why: string) => {
      if (settled) return;
      settled = true;
      onFallback(why);
      loadConfig(file, format, opts).then(resolve, reject);
    };
    worker.once('error', (err) => here(err.message));
    worker.once('exit', (code) => here(`worker exited (${code}) without a reply`));
  });
}
