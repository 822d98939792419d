// npm run quickstart [-- --duration SECONDS]
// Starts the demo backends and `rsguard run -c examples/quickstart.yaml`,
// then prints `rsguard status` every few seconds. Ctrl-C stops both.
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { startDemoBackends } from './demo-backends.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/src/cli.js');
const i = process.argv.indexOf('--duration');
const duration = i > 0 ? Number(process.argv[i + 1]) : Infinity;

const stopBackends = startDemoBackends();
const daemon = spawn(process.execPath, [cli, 'run', '-c', path.join(root, 'examples/quickstart.yaml')], { stdio: ['ignore', 'inherit', 'inherit'] });
const showStatus = () => {
  try {
    process.stdout.write(`\n${execFileSync(process.execPath, [cli, 'status', '--url', 'http://127.0.0.1:9901'], { encoding: 'utf8' })}\n`);
  } catch {
    /* the daemon is still starting */
  }
};
const ticker = setInterval(showStatus, 4000);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  showStatus();
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  await stopBackends();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
daemon.once('exit', (code) => {
  if (!stopping) {
    console.error(`rsguard exited with ${code}`);
    process.exit(1);
  }
});
if (Number.isFinite(duration)) setTimeout(stop, duration * 1000);
