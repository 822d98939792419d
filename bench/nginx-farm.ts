import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { familyCpuSeconds } from './proc-stats.js';

/**
 * nginx listening on `count` loopback ports from `basePort`, answering every
 * request with 200 "ok": the bench's target farm. One process (one worker)
 * per 8,000 ports: a process holds a descriptor per listening port and per
 * connection, and a box's hard limit on open files (20,000 on some session
 * machines, which no process here may raise) would stop one nginx short of
 * 20,000 ports.
 */
export interface Farm {
  ports: number[];
  /** The first shard's master (its worker is its child). */
  pid: number;
  /** CPU seconds of every shard's master and worker so far. */
  cpuSeconds(): number;
  /** Connections accepted and requests answered so far, from nginx's stub_status: what any checker achieved, counted by the target. */
  counts(): Promise<{ accepts: number; requests: number }>;
  stop(): Promise<void>;
}

const PORTS_PER_SHARD = 8000;

/** Ports from `basePort` up that nothing listens on now (other services run on this machine too). */
async function freePorts(basePort: number, count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let port = basePort; ports.length < count; port++) {
    if (port > 32767) throw new Error(`not enough free ports below the ephemeral range from ${basePort}`);
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) ports.push(port);
  }
  return ports;
}

interface Shard {
  dir: string;
  statusPort: number;
  child: ChildProcess;
  exited: Promise<void>;
}

async function startShard(ports: number[], statusPort: number): Promise<Shard> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-farm-'));
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
  server {
    listen 127.0.0.1:${statusPort};
    location / { stub_status; }
  }
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const last = ports[ports.length - 1]!;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: last }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up && child.exitCode === null) break;
    if (i > 200) throw new Error('nginx did not come up');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { dir, statusPort, child, exited };
}

export async function startNginxFarm(basePort: number, count: number): Promise<Farm> {
  const shardCount = Math.max(1, Math.ceil(count / PORTS_PER_SHARD));
  const all = await freePorts(basePort, count + shardCount);
  const statusPorts = all.slice(0, shardCount);
  const ports = all.slice(shardCount);
  const shards: Shard[] = [];
  try {
    for (let i = 0; i < shardCount; i++) shards.push(await startShard(ports.slice(i * PORTS_PER_SHARD, (i + 1) * PORTS_PER_SHARD), statusPorts[i]!));
  } catch (err) {
    for (const sh of shards) sh.child.kill('SIGQUIT');
    throw err;
  }
  return {
    ports,
    pid: shards[0]!.child.pid!,
    cpuSeconds: () => shards.reduce((sum, sh) => sum + familyCpuSeconds(sh.child.pid!), 0),
    async counts() {
      let accepts = 0;
      let requests = 0;
      for (const sh of shards) {
        // "Active connections: 1\nserver accepts handled requests\n 10 10 12\n..."; the status request itself is one of each.
        const text = await (await fetch(`http://127.0.0.1:${sh.statusPort}/`)).text();
        const m = /\n\s*(\d+)\s+(\d+)\s+(\d+)\s*\n/.exec(text);
        if (!m) throw new Error(`nginx stub_status: unexpected answer ${JSON.stringify(text.slice(0, 200))}`);
        accepts += Number(m[1]);
        requests += Number(m[3]);
      }
      return { accepts, requests };
    },
    async stop() {
      for (const sh of shards) sh.child.kill('SIGQUIT');
      await Promise.all(shards.map((sh) => sh.exited));
      for (const sh of shards) rmSync(sh.dir, { recursive: true, force: true });
    },
  };
}
