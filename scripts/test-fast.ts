import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled, fastTierSources, IN_PROCESS } from '../test/tiers.js';

/**
 * `npm run test:fast` after the build: the fast tier (test/tiers.ts), then its
 * time against the one-minute budget. Most of a unit file's time is starting
 * its process (node and the imports: about 0.4 s of each file's 0.7 s), so the
 * unit files run two at a time on the two cores; the in-process integration
 * files time probes' deadlines from outside and run alone after them, one at
 * a time as `npm test` runs everything.
 */
const BUDGET_S = 60;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sources = fastTierSources(root);
const unit = sources.filter((s) => !(s in IN_PROCESS)).map(compiled);
const inProcess = sources.filter((s) => s in IN_PROCESS).map(compiled);
const started = performance.now();
const run = (concurrency: number, files: string[]) =>
  spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=60000', ...process.argv.slice(2), ...files], { cwd: root, stdio: 'inherit' }).status ?? 1;
const status = [run(2, unit), run(1, inProcess)].find((s) => s !== 0) ?? 0;
const seconds = (performance.now() - started) / 1000;
const over = seconds > BUDGET_S ? `: over it, name the slowest unit files in SLOW (test/tiers.ts)` : '';
process.stdout.write(`# fast tier: ${unit.length + inProcess.length} files in ${seconds.toFixed(1)} s (budget ${BUDGET_S} s${over})\n`);
process.exit(status);
