import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from './errors.js';
import { loadConfig, type ConfigFormat, type LoadOptions } from './load.js';
import { splitModel } from './model-parts.js';

/**
 * The worker side of loadConfigOffThread: one load, then its parts, each
 * sent when the daemon asks for it (the daemon asks for the next one a loop
 * turn after it took the last, so no two parts are cloned in one turn).
 */
const { file, format, opts } = workerData as { file: string; format?: ConfigFormat; opts: LoadOptions };
try {
  const parts = splitModel(await loadConfig(file, format, opts));
  parentPort!.on('message', (i: number) => parentPort!.postMessage({ part: parts[i] }));
  parentPort!.postMessage({ parts: parts.length });
} catch (err) {
  parentPort!.postMessage(err instanceof ConfigError ? { issues: err.issues } : { error: (err as Error).message });
}
