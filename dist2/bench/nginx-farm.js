import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
/** Ports from `basePort` up that nothing listens on now (other services run on this machine too). */
async function freePorts(basePort, count) {
    const ports = [];
    for (let port = basePort; ports.length < count; port++) {
        if (port > 32767)
            throw new Error(`not enough free ports below the ephemeral range from ${basePort}`);
        const free = await new Promise((resolve) => {
            const srv = net.createServer();
            srv.once('error', () => resolve(false));
            srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
        });
        if (free)
            ports.push(port);
    }
    return ports;
}
export async function startNginxFarm(basePort, count) {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-farm-'));
    const ports = await freePorts(basePort, count);
    const conf = `
worker_processes 1;
worker_rlimit_nofile 65535;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
events { worker_connections 32768; multi_accept on; }
http {
  access_log off;
  keepalive_timeout 0;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server {
${ports.map((p) => `    listen 127.0.0.1:${p} backlog=4096;`).join('\n')}
    location / { default_type text/plain; return 200 "ok\\n"; }
  }
}
`;
    writeFileSync(path.join(dir, 'nginx.conf'), conf);
    const child = spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise((r) => child.once('exit', () => r()));
    const last = ports[ports.length - 1];
    for (let i = 0;; i++) {
        if (child.exitCode !== null)
            throw new Error(`nginx exited with ${child.exitCode}`);
        const up = await new Promise((resolve) => {
            const s = net.connect({ host: '127.0.0.1', port: last }, () => {
                s.destroy();
                resolve(true);
            });
            s.once('error', () => resolve(false));
        });
        if (up && child.exitCode === null)
            break;
        if (i > 200)
            throw new Error('nginx did not come up');
        await new Promise((r) => setTimeout(r, 50));
    }
    return {
        ports,
        pid: child.pid,
        async stop() {
            child.kill('SIGQUIT');
            await exited;
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
//# sourceMappingURL=nginx-farm.js.map