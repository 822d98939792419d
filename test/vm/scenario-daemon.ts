import { spawn, type ChildProcess } from 'node:child_process';

/**
 * rsguard as a guest scenario runs it: `rsguard run` with its output kept
 * for the results file, an exit before `stop()` reported once (the daemon
 * died under the scenario), and SIGTERM awaited.
 */
export class ScenarioDaemon {
  /** Everything it printed, in chunks, across starts. */
  readonly logs: string[] = [];
  /** Set when it exited without being asked to: `code N signal S`. */
  exit: string | null = null;
  private child: ChildProcess | undefined;
  private stopping = false;

  constructor(
    private readonly cli: string,
    private readonly onUnexpectedExit: () => void,
  ) {}

  start(args: string[]): void {
    this.stopping = false;
    const d = spawn(process.execPath, [this.cli, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    d.stdout!.on('data', (b: Buffer) => this.logs.push(b.toString()));
    d.stderr!.on('data', (b: Buffer) => this.logs.push(b.toString()));
    d.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.exit = `code ${code} signal ${signal}`;
      this.onUnexpectedExit();
    });
    this.child = d;
  }

  async stop(): Promise<void> {
    const d = this.child!;
    this.stopping = true;
    d.kill('SIGTERM');
    if (d.exitCode === null && d.signalCode === null) await new Promise((r) => d.once('exit', r));
  }

  signal(sig: NodeJS.Signals): void {
    this.child!.kill(sig);
  }

  /** After a scenario error: the daemon must not outlive the guest's script. */
  kill(): void {
    if (this.child && this.child.exitCode === null && !this.stopping) {
      this.stopping = true;
      this.child.kill('SIGKILL');
    }
  }
}
