import { Worker } from 'node:worker_threads';
import { ConfigError, type ConfigIssue } from './errors.js';
import { loadConfig, type ConfigFormat, type LoadOptions } from './load.js';
import type { Model } from './model.js';

type Reply = { model: Model } | { issues: ConfigIssue[] } | { error: string };

/**
 * loadConfig on a worker thread, for reloads: parsing, validating and
 * building 10,000 servers took 1.3 s of CPU, and on the daemon's thread every
 * check due in that time waited for it. The model comes back by structured
 * clone (Maps and plain objects only). If no worker can be started (no
 * memory, no descriptors: rsguard's own trouble, not the config's), the load
 * runs here as before.
 */
export function loadConfigOffThread(file: string, format: ConfigFormat | undefined, opts: LoadOptions = {}): Promise<Model> {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: { file, format, opts } });
  } catch {
    return loadConfig(file, format, opts);
  }
  return new Promise<Model>((resolve, reject) => {
    let settled = false;
    worker.once('message', (reply: Reply) => {
      settled = true;
      if ('model' in reply) resolve(reply.model);
      else if ('issues' in reply) reject(new ConfigError(reply.issues));
      else reject(new Error(reply.error));
      void worker.terminate();
    });
    // The worker itself failed or ended without a reply (not the config's fault): load here instead.
    const here = () => {
      if (settled) return;
      settled = true;
      loadConfig(file, format, opts).then(resolve, reject);
    };
    worker.once('error', here);
    worker.once('exit', here);
  });
}
