import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './ports.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = path.join(ROOT, 'dist/src/cli.js');

export type LogLine = Record<string, unknown> & { msg: string; level: number };

/** `rsguard run` as a child process, with its JSON log lines parsed as they come. */
export class DaemonProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  /** `wrap` runs the daemon under another command (setpriv, prlimit): the node binary and the CLI come after it. */
  constructor(args: string[], wrap: string[] = []) {
    const argv = [...wrap, process.execPath, CLI, ...args];
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.stderr.push(`non-JSON stdout: ${line}`);
        }
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** The index the next log line will get: pass it to waitForLog to see only what comes after an action. */
  mark(): number {
    return this.logs.length;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for a line matching `pred` at index `from` or later (a mark taken before the action). */
  async waitForLog(what: string, pred: (l: LogLine) => boolean, timeoutMs = 15_000, from = 0): Promise<LogLine> {
    return waitFor(what, () => this.logs.slice(from).find(pred), timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}\nlogs:\n${this.logs.map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${this.stderr.join('')}`);
    });
  }

  /** The exit code once the process has ended by itself (a refusal at start). */
  waitExit(): Promise<number | null> {
    return this.exited;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
