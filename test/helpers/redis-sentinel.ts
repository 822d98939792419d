import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitFor } from './ports.js';

/**
 * A Sentinel-managed Redis of the test's own on loopback: one primary, one
 * replica, three Sentinels (quorum 2), each a redis-server in `dir` (the
 * Sentinels run as `redis-server FILE --sentinel`, which is what Debian's
 * redis-sentinel package starts). Quick to fail over: a primary is down after
 * 1 s without answer.
 */
export class SentinelCluster {
  readonly procs = new Map<number, ChildProcess>();
  readonly sentinelPorts: number[] = [];
  primaryPort = 0;
  replicaPort = 0;

  constructor(private readonly dir: string, readonly name = 'mymaster') {}

  async start(): Promise<void> {
    this.primaryPort = await freePort();
    this.replicaPort = await freePort();
    for (let i = 0; i < 3; i++) this.sentinelPorts.push(await freePort());
    this.server(this.primaryPort, []);
    await this.ping(this.primaryPort);
    this.server(this.replicaPort, ['--replicaof', '127.0.0.1', String(this.primaryPort)]);
    await waitFor('the replica in sync', async () => /master_link_status:up/.test(await this.ask(this.replicaPort, (r) => r.info('replication')).catch(() => '')) || undefined, 15_000);
    for (const port of this.sentinelPorts) {
      const file = path.join(this.dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `sentinel monitor ${this.name} 127.0.0.1 ${this.primaryPort} 2`,
          `sentinel down-after-milliseconds ${this.name} 1000`,
          `sentinel failover-timeout ${this.name} 5000`,
          `sentinel parallel-syncs ${this.name} 1`,
          '',
        ].join('\n'),
      );
      this.spawn(port, [file, '--sentinel']);
    }
    // Ready when every Sentinel knows the other two (they must agree to fail over) and the replica.
    for (const port of this.sentinelPorts) {
      await waitFor(`Sentinel ${port} sees the others and the replica`, async () => {
        const m = await this.sentinelMaster(port).catch(() => undefined);
        return m && m['num-other-sentinels'] === '2' && m['num-slaves'] === '1' ? true : undefined;
      }, 20_000, 200);
    }
  }

  /** rsguard's URL form for this set. */
  url(): string {
    return `redis+sentinel://${this.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${this.name}`;
  }

  /** The primary's port as the first Sentinel that answers says. */
  async primary(): Promise<number> {
    for (const port of this.sentinelPorts) {
      const addr = await this.ask(port, (r) => r.call('SENTINEL', 'get-master-addr-by-name', this.name) as Promise<[string, string]>).catch(() => undefined);
      if (addr) return Number(addr[1]);
    }
    throw new Error('no Sentinel answers');
  }

  /** A server (a killed one back, say) started as a replica of `of`, resolved once every Sentinel lists it as a healthy replica. */
  async startReplica(port: number, of: number): Promise<void> {
    this.server(port, ['--replicaof', '127.0.0.1', String(of)]);
    await waitFor(`the replica on ${port} in sync`, async () => /master_link_status:up/.test(await this.ask(port, (r) => r.info('replication')).catch(() => '')) || undefined, 15_000);
    for (const s of this.sentinelPorts) {
      await waitFor(`Sentinel ${s} sees ${port} as a healthy replica`, async () => {
        const list = (await this.ask(s, (r) => r.call('SENTINEL', 'replicas', this.name)).catch(() => [])) as string[][];
        return list.map(pairs).some((x) => x.port === String(port) && x.flags === 'slave' && x['master-link-status'] === 'ok') ? true : undefined;
      }, 30_000, 200);
    }
  }

  /** `SENTINEL FAILOVER`: the primary is demoted while it still runs, a replica promoted. */
  async failover(): Promise<void> {
    await this.ask(this.sentinelPorts[0]!, (r) => r.call('SENTINEL', 'failover', this.name));
  }

  /** kill -9 of a server (the primary, say): it stays dead. */
  async kill(port: number): Promise<void> {
    const p = this.procs.get(port);
    this.procs.delete(port);
    if (!p || p.exitCode !== null) return;
    p.kill('SIGKILL');
    await new Promise((r) => p.once('exit', r));
  }

  /** One command on a fresh connection to a server of this set. */
  async ask<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000, commandTimeout: 2000 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return await fn(r);
    } finally {
      r.disconnect();
    }
  }

  async stop(): Promise<void> {
    for (const port of [...this.procs.keys()]) await this.kill(port);
  }

  private async sentinelMaster(port: number): Promise<Record<string, string>> {
    return pairs((await this.ask(port, (r) => r.call('SENTINEL', 'master', this.name))) as string[]);
  }

  private server(port: number, args: string[]): void {
    const dir = path.join(this.dir, String(port));
    mkdirSync(dir, { recursive: true });
    this.spawn(port, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args]);
  }

  private spawn(port: number, args: string[]): void {
    this.procs.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
  }

  private ping(port: number): Promise<true> {
    return waitFor(`redis on ${port}`, async () => ((await this.ask(port, (r) => r.ping()).catch(() => '')) === 'PONG' ? true : undefined), 10_000);
  }
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}
