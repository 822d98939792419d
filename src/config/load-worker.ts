import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from './errors.js';
import { loadConfig, type ConfigFormat, type LoadOptions } from './load.js';

/** The worker side of loadConfigOffThread: one load, one reply. */
const { file, format, opts } = workerData as { file: string; format?: ConfigFormat; opts: LoadOptions };
try {
  parentPort!.postMessage({ model: await loadConfig(file, format, opts) });
} catch (err) {
  parentPort!.postMessage(err instanceof ConfigError ? { issues: err.issues } : { error: (err as Error).message });
}
