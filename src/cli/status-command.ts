import { ApiRefused, apiCall } from './api-client.js';
import { renderStatusTable } from '../read/status-table.js';
import type { StatusDocument } from '../read/status-document.js';

export interface StatusOptions {
  url: string;
  json?: boolean;
  /** Redraw every this many seconds until interrupted, like `watch ipvsadm -Ln`. */
  watch?: number;
  color: 'auto' | 'always' | 'never';
}

async function fetchStatus(url: string): Promise<StatusDocument> {
  try {
    return (await apiCall<StatusDocument>(url, '/api/status', { timeoutMs: 5000, retries: 1 })).body;
  } catch (err) {
    throw err instanceof ApiRefused ? new Error(`${url} answered HTTP ${err.status}`) : err;
  }
}

/** Colour only for a person at a terminal: never into a pipe or a file, never with NO_COLOR set (no-color.org). */
export function wantsColor(mode: StatusOptions['color'], isTty: boolean, env: NodeJS.ProcessEnv): boolean {
  if (mode !== 'auto') return mode === 'always';
  return isTty && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

export async function statusCommand(o: StatusOptions): Promise<void> {
  const color = wantsColor(o.color, Boolean(process.stdout.isTTY), process.env);
  const render = (doc: StatusDocument) => (o.json ? JSON.stringify(doc, null, 2) : renderStatusTable(doc, { color }));
  if (o.watch === undefined) {
    try {
      process.stdout.write(`${render(await fetchStatus(o.url))}\n`);
    } catch (err) {
      process.stderr.write(`rsguard status: cannot read ${o.url}/api/status: ${(err as Error).message}\n`);
      process.exit(1);
    }
    return;
  }
  // Redraw in place; a daemon that stops answering is said on screen and the watch goes on, as `watch` does.
  const period = Math.max(0.1, o.watch) * 1000;
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  process.once('SIGTERM', () => (stop = true));
  while (!stop) {
    let frame: string;
    try {
      frame = render(await fetchStatus(o.url));
    } catch (err) {
      frame = `rsguard status: cannot read ${o.url}/api/status: ${(err as Error).message}`;
    }
    const head = `Every ${period / 1000}s: rsguard status ${o.url}    ${new Date().toISOString()}\n\n`;
    process.stdout.write(`${process.stdout.isTTY ? '\x1b[H\x1b[2J' : ''}${head}${frame}\n`);
    await new Promise((r) => setTimeout(r, period));
  }
}
