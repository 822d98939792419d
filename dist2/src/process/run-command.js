import { spawn } from 'node:child_process';
export function runCommand(argv, o) {
    return new Promise((resolve) => {
        const [file, ...args] = argv;
        const max = o.maxOutput ?? 64 * 1024;
        let stdout = '';
        let stderr = '';
        let settled = false;
        if (o.signal?.aborted)
            return resolve({ kind: 'aborted' });
        const child = spawn(file, args, {
            stdio: [o.stdin === undefined ? 'ignore' : 'pipe', max > 0 ? 'pipe' : 'ignore', max > 0 ? 'pipe' : 'ignore'],
            detached: true,
            ...(o.env ? { env: o.env } : {}),
        });
        const killGroup = () => {
            try {
                if (child.pid)
                    process.kill(-child.pid, 'SIGKILL');
            }
            catch {
                /* already gone */
            }
        };
        const finish = (r) => {
            if (settled)
                return;
            settled = true;
            clearTimeout(timer);
            o.signal?.removeEventListener('abort', onAbort);
            resolve(r);
        };
        const stop = (r) => {
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
        child.stdout?.on('data', (d) => {
            if (stdout.length < max)
                stdout += d.toString('utf8').slice(0, max - stdout.length);
        });
        child.stderr?.on('data', (d) => {
            if (stderr.length < max)
                stderr += d.toString('utf8').slice(0, max - stderr.length);
        });
        child.once('error', (err) => finish({ kind: 'spawn-error', code: err.code ?? '', message: err.message }));
        child.once('close', (code, signal) => {
            if (signal)
                finish({ kind: 'signalled', signal, stdout, stderr });
            else
                finish({ kind: 'exited', code: code ?? 0, stdout, stderr });
        });
        if (o.stdin !== undefined) {
            child.stdin?.on('error', () => { }); // a program that exits early closes its stdin; its exit code tells the story
            child.stdin?.end(o.stdin);
        }
    });
}
//# sourceMappingURL=run-command.js.map