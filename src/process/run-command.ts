import { spawn } from 'node:child_process';

/**
 * The one way rsguard runs a program: exec checks, notify hooks, ipvsadm.
 * Argv only (never a shell string), its own process group so a deadline
 * kills the program's children too, output read and capped so a chatty
 * program never blocks on a full pipe, and no waiting for pipes a killed
 * group's stray descendant might still hold. Never rejects.
 */
export interface RunOptions {
  /** Kill the whole process group after this long. */
  timeoutMs: number;
  /** Abort early (shutdown, a probe deadline): the group is killed too. */
  signal?: AbortSignal;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes of stdout and of stderr kept; the rest is read and dropped. 0 discards output. */
  maxOutput?: number;
  /** Run as this user and group (keepalived MISC_CHECK `user`); needs root. */
  uid?: number;
  gid?: number;
}

export type RunResult =
  | { kind: 'exited'; code: number; stdout: string; stderr: string }
  /** Killed by a signal someone else sent (the OOM killer, an operator). */
  | { kind: 'signalled'; signal: string; stdout: string; stderr: string }
  | { kind: 'timeout'; stdout: string; stderr: string }
  | { kind: 'aborted' }
  /** It could not be started: ENOENT, EACCES, EMFILE, EAGAIN. Always a fault of this host. */
  | { kind: 'spawn-error'; code: string; message: string };

export function runCommand(argv: readonly string[], o: RunOptions): Promise<RunResult> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const max = o.maxOutput ?? 64 * 1024;
    let stdout = '';
    let stderr = '';
    let settled = false;
    if (o.signal?.aborted) return resolve({ kind: 'aborted' });
    const child = spawn(file!, args, {
      stdio: [o.stdin === undefined ? 'ignore' : 'pipe', max > 0 ? 'pipe' : 'ignore', max > 0 ? 'pipe' : 'ignore'],
      detached: true,
      ...(o.env ? { env: o.env } : {}),
      ...(o.uid !== undefined ? { uid: o.uid } : {}),
      ...(o.gid !== undefined ? { gid: o.gid } : {}),
    });
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const finish = (r: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const stop = (r: RunResult) => {
      killGroup();
      // A descendant that left the group could keep the pipes open: stop reading instead of waiting for them.
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish(r);
    };
    const onAbort = () => stop({ kind: 'aborted' });
    const timer = setTimeout(() => stop({ kind: 'timeout', stdout, stderr }), o.timeoutMs);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    // Without descriptors for the pipes spawn hands back no streams and reports EMFILE on 'error'.
    child.stdout?.on('data', (d: Buffer) => {
      if (stdout.length < max) stdout += d.toString('utf8').slice(0, max - stdout.length);
    });
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < max) stderr += d.toString('utf8').slice(0, max - stderr.length);
    });
    child.once('error', (err: NodeJS.ErrnoException) => finish({ kind: 'spawn-error', code: err.code ?? '', message: err.message }));
    child.once('close', (code, signal) => {
      if (signal) finish({ kind: 'signalled', signal, stdout, stderr });
      else finish({ kind: 'exited', code: code ?? 0, stdout, stderr });
    });
    if (o.stdin !== undefined) {
      child.stdin?.on('error', () => {}); // a program that exits early closes its stdin; its exit code tells the story
      child.stdin?.end(o.stdin);
    }
  });
}
