import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './ports.js';
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = path.join(ROOT, 'dist/src/cli.js');
/** `rsguard run` as a child process, with its JSON log lines parsed as they come. */
export class DaemonProcess {
    logs = [];
    stderr = [];
    child;
    exited;
    /** `wrap` runs the daemon under another command (setpriv, prlimit): the node binary and the CLI come after it. */
    constructor(args, wrap = []) {
        const argv = [...wrap, process.execPath, CLI, ...args];
        this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
        let buf = '';
        this.child.stdout.on('data', (d) => {
            buf += d.toString();
            let nl;
            while ((nl = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                try {
                    this.logs.push(JSON.parse(line));
                }
                catch {
                    this.stderr.push(`non-JSON stdout: ${line}`);
                }
            }
        });
        this.child.stderr.on('data', (d) => this.stderr.push(d.toString()));
        this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    }
    /** The index the next log line will get: pass it to waitForLog to see only what comes after an action. */
    mark() {
        return this.logs.length;
    }
    get pid() {
        return this.child.pid;
    }
    /** Waits for a line matching `pred` at index `from` or later (a mark taken before the action). */
    async waitForLog(what, pred, timeoutMs = 15_000, from = 0) {
        return waitFor(what, () => this.logs.slice(from).find(pred), timeoutMs).catch((err) => {
            throw new Error(`${err.message}\nlogs:\n${this.logs.map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${this.stderr.join('')}`);
        });
    }
    signal(sig) {
        this.child.kill(sig);
    }
    async stop() {
        if (this.child.exitCode === null)
            this.child.kill('SIGTERM');
        const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
        const code = await this.exited;
        clearTimeout(timer);
        return code;
    }
}
//# sourceMappingURL=daemon-process.js.map