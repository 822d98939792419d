import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled, fastTierSources } from '../test/tiers.js';

/**
 * `npm run test:fast` after the build: the fast tier (test/tiers.ts) in one
 * `node --test` run, one file at a time as `npm test` runs them, then its
 * time against the one-minute budget.
 */
const BUDGET_S = 60;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const files = fastTierSources(root).map(compiled);
const started = performance.now();
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=60000', ...process.argv.slice(2), ...files], { cwd: root, stdio: 'inherit' });
const seconds = (performance.now() - started) / 1000;
const over = seconds > BUDGET_S ? `: over it, name the slowest unit files in SLOW (test/tiers.ts)` : '';
process.stdout.write(`# fast tier: ${files.length} files in ${seconds.toFixed(1)} s (budget ${BUDGET_S} s${over})\n`);
process.exit(run.status ?? 1);
