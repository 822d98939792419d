import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RuntimeClient } from '../../src/actuators/haproxy/runtime-client.js';
import { parseServersState } from '../../src/actuators/haproxy/servers-state.js';
import { waitFor } from './ports.js';
/** A real HAProxy 2.6 in the foreground with an admin stats socket, started and stopped by a test. */
export class Haproxy {
    body;
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-haproxy-'));
    socket;
    child;
    exited;
    client;
    /** `socket`: where the admin socket goes (default: in its own temp dir). */
    constructor(body, socket) {
        this.body = body;
        this.socket = socket ?? path.join(this.dir, 'admin.sock');
        this.client = new RuntimeClient(this.socket, 2000);
    }
    config() {
        return `global\n  stats socket ${this.socket} mode 600 level admin\n  stats timeout 10s\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n${this.body}`;
    }
    async start() {
        const cfg = path.join(this.dir, 'haproxy.cfg');
        writeFileSync(cfg, this.config());
        const check = spawnSync('haproxy', ['-c', '-q', '-f', cfg], { encoding: 'utf8' });
        if (check.status !== 0)
            throw new Error(`haproxy -c: ${check.stderr}`);
        rmSync(this.socket, { force: true });
        const child = spawn('haproxy', ['-f', cfg, '-db'], { stdio: 'ignore' });
        this.child = child;
        this.exited = new Promise((r) => child.once('exit', () => r()));
        await waitFor('haproxy socket', () => (existsSync(this.socket) ? true : undefined));
    }
    async state(backend) {
        return parseServersState(await this.client.send(`show servers state ${backend}`));
    }
    async stop() {
        this.child?.kill('SIGTERM');
        await this.exited;
        this.child = undefined;
    }
    async close() {
        await this.stop();
        rmSync(this.dir, { recursive: true, force: true });
    }
}
export function admin(s) {
    if (!s)
        return 'missing';
    if (s.adminState & 0x01)
        return 'maint';
    if (s.adminState & 0x08)
        return 'drain';
    return 'ready';
}
//# sourceMappingURL=haproxy.js.map