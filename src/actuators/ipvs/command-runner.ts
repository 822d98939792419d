import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the balancer's command-line tool with an argv array (never a shell) and a deadline. */
export interface CommandRunner {
  readonly bin: string;
  run(args: string[], stdin?: string): Promise<CommandResult>;
}

export class CommandUnavailable extends Error {
  override name = 'CommandUnavailable';
}

export function execRunner(bin: string, timeoutMs: number): CommandRunner {
  return {
    bin,
    run: (args, stdin) =>
      new Promise((resolve, reject) => {
        // Its own process group: a hung tool's children (a wrapper script's sleep, a stuck modprobe)
        // die with it, and nothing keeps our pipes open past the deadline.
        const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
        let stdout = '';
        let stderr = '';
        let done = false;
        const timer = setTimeout(() => {
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
          done = true;
          child.stdout?.destroy();
          child.stderr?.destroy();
          reject(new CommandUnavailable(`${bin} ${args.join(' ')} killed after its timeout of ${timeoutMs} ms`));
        }, timeoutMs);
        child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('error', (err: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          if (done) return;
          done = true;
          reject(new CommandUnavailable(`cannot run ${bin}: ${err.code ?? err.message}`));
        });
        child.once('close', (code, signal) => {
          clearTimeout(timer);
          if (done) return;
          done = true;
          if (signal) return reject(new CommandUnavailable(`${bin} ${args.join(' ')} killed by ${signal}`));
          resolve({ code: code ?? 0, stdout, stderr });
        });
        child.stdin?.on('error', () => {}); // a tool that exits early closes its stdin; its exit code tells the story
        child.stdin?.end(stdin ?? '');
      }),
  };
}
