import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DaemonProcess } from './daemon-process.js';
import { freePort } from './ports.js';

/** Check timing for a verdict in well under a second: two failures 100 ms apart, each within 150 ms. */
export const QUICK_CHECKS = '{ interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 2, rise: 1 }';

/** A fresh directory for one test's files (config, spool, state), /tmp/rsguard-NAME-XXXXXX. */
export function testDir(name: string): string {
  return mkdtempSync(path.join(tmpdir(), `rsguard-${name}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export interface StartOptions {
  /** Arguments after `run -c FILE` (--dry-run, --log-level, --listen). */
  args?: string[];
  /** A command to run the daemon under (unshare, setpriv): see DaemonProcess. */
  wrap?: string[];
  /** The config's file name in the directory (an ldirectord.cf, a second config). */
  file?: string;
  /** The API port, when the test chose it; else a free one. */
  api?: number;
  /** How long it may take to log that it started. */
  startMs?: number;
}

export interface StartedDaemon {
  daemon: DaemonProcess;
  file: string;
  /** The port the config got for its API (global.listen or --listen). */
  api: number;
}

/**
 * Writes the config (given the API port) into `dir` and runs `rsguard run -c`
 * on it; resolves once the daemon has logged that it started, and stops it if
 * it does not.
 */
export async function runDaemon(dir: string, config: string | ((api: number) => string), opts: StartOptions = {}): Promise<StartedDaemon> {
  const api = opts.api ?? (await freePort());
  const file = path.join(dir, opts.file ?? 'rsguard.yaml');
  writeFileSync(file, typeof config === 'string' ? config : config(api));
  const daemon = new DaemonProcess(['run', '-c', file, ...(opts.args ?? [])], opts.wrap);
  try {
    await daemon.waitForLog('start', (l) => l.msg === 'rsguard started', opts.startMs);
  } catch (err) {
    await daemon.stop(); // the caller never gets it to stop: no daemon outlives a failed start
    throw err;
  }
  return { daemon, file, api };
}
