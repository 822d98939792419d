import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/ports.js';
import type { CheckerPeer, PeerSettings } from './peer.js';
import { sumMetric, waitForMetrics } from './prom-text.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli.js');

/** The same checks HAProxy is given: fall 3, rise 2, timeout 1 s, the body must hold "ok". */
export function rsguardConfig(s: PeerSettings, apiPort: number): string {
  const check = s.kind === 'http' ? '{ kind: http, path: /health, expectBody: ok }' : '{ kind: tcp }';
  const per = 250;
  const vss: string[] = [];
  for (let v = 0; v * per < s.ports.length; v++) {
    const slice = s.ports.slice(v * per, (v + 1) * per);
    vss.push(`  - name: vs${v}\n    address: 192.0.2.${(v % 250) + 1}:${80 + Math.floor(v / 250)}\n    checks: [${check}]\n    realServers:\n${slice.map((p) => `      - { address: 127.0.0.1:${p} }`).join('\n')}`);
  }
  const interval = `${s.intervalMs}ms`;
  return `global:\n  listen: 127.0.0.1:${apiPort}\n  logLevel: warn\n  concurrency: 10000\n  startupSpread: ${interval}\n  stateFile: false\n  checkDefaults: { interval: ${interval}, timeout: 1s, retryInterval: ${interval}, fall: 3, rise: 2 }\nvirtualServices:\n${vss.join('\n')}\n`;
}

/** A config other than the bench's own YAML (bench/config-input.ts): its name in the tables and the YAML it runs as. */
export interface OwnConfig {
  name: string;
  yaml(apiPort: number, ports: number[], intervalMs: number): string;
}

/**
 * `rsguard run` (embedded mode) as a child process; extra node flags (--cpu-prof) go before the script; `env` is added
 * to the bench's environment (the bench's --variant, e.g. RSGUARD_CHECK_QUICKACK=on).
 */
export async function startRsguard(s: PeerSettings, dir: string, nodeFlags: string[] = [], own?: OwnConfig, env: Record<string, string> = {}): Promise<CheckerPeer> {
  const apiPort = await freePort();
  const file = path.join(dir, `rsguard-${own ? 'config' : s.kind}-${s.ports.length}.yaml`);
  writeFileSync(file, own ? own.yaml(apiPort, s.ports, s.intervalMs) : rsguardConfig(s, apiPort));
  // Its warn/error log lines go to our stderr, so a failed row says why.
  const child = spawn(process.execPath, [...nodeFlags, cli, 'run', '-c', file], { stdio: ['ignore', process.stderr, 'inherit'], cwd: dir, env: { ...process.env, ...env } });
  const exited = new Promise((r) => child.once('exit', r));
  const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
  await waitForMetrics(metrics, () => child.exitCode !== null);
  return {
    name: own?.name ?? 'rsguard',
    pid: child.pid!,
    alive: () => child.exitCode === null && child.signalCode === null,
    failures: async (text?: string) => sumMetric(text ?? (await metrics()), 'rsguard_probe_results_total', (l) => l.includes('outcome="failure"')),
    checkErrors: async (text?: string) => sumMetric(text ?? (await metrics()), 'rsguard_check_errors_total'),
    lag: metrics,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
