import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Two real keepalived (VRRP only, -P) in two network namespaces joined by a
 * veth pair that the test creates: all VRRP traffic stays between them.
 */
let made = 0;

export class VrrpPair {
  /** This process's pid (5 digits) and a count: never the name of another test file's pair running beside it. */
  readonly id = `${String(process.pid).padStart(5, '0')}${made++}`;
  readonly ns = [`rsgva${this.id}`, `rsgvb${this.id}`] as const;
  readonly ifs = [`rva${this.id}`, `rvb${this.id}`] as const;
  readonly net = `10.252.${randomInt(1, 250)}`;
  private readonly procs: Array<ChildProcess | undefined> = [undefined, undefined];

  constructor(private readonly dir: string) {}

  setup(): void {
    const ip = (...a: string[]) => execFileSync('ip', a);
    ip('netns', 'add', this.ns[0]);
    ip('netns', 'add', this.ns[1]);
    ip('link', 'add', this.ifs[0], 'netns', this.ns[0], 'type', 'veth', 'peer', 'name', this.ifs[1], 'netns', this.ns[1]);
    for (const i of [0, 1]) {
      ip('-n', this.ns[i]!, 'link', 'set', 'lo', 'up');
      ip('-n', this.ns[i]!, 'addr', 'add', `${this.net}.${i + 1}/24`, 'dev', this.ifs[i]!);
      ip('-n', this.ns[i]!, 'link', 'set', this.ifs[i]!, 'up');
    }
  }

  /** Starts keepalived `i` (0 or 1) with a vrrp_instance VI_T; `extraGlobal` and `extraInstance` go into its blocks, `topLevel` before them. */
  start(i: 0 | 1, priority: number, extraGlobal = '', extraInstance = '', topLevel = ''): void {
    const conf = path.join(this.dir, `ka${i}.conf`);
    writeFileSync(
      conf,
      `${topLevel}\nglobal_defs {\n  router_id KA_${i}\n  script_user root\n${extraGlobal}\n}\nvrrp_instance VI_T {\n  state BACKUP\n  interface ${this.ifs[i]}\n  virtual_router_id 51\n  priority ${priority}\n  advert_int 1\n  virtual_ipaddress {\n    ${this.net}.100/24\n  }\n${extraInstance}\n}\n`,
    );
    const pid = (n: string) => path.join(this.dir, `ka${i}-${n}.pid`);
    this.procs[i] = spawn('ip', ['netns', 'exec', this.ns[i]!, 'keepalived', '-n', '-l', '-P', '-f', conf, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('checkers')], { stdio: 'ignore' });
  }

  /** Which keepalived holds the virtual address now (0, 1), or undefined for neither or both. */
  master(): 0 | 1 | undefined {
    const has = (i: 0 | 1) => execFileSync('ip', ['-n', this.ns[i], '-o', 'addr', 'show'], { encoding: 'utf8' }).includes(`${this.net}.100/`);
    const a = has(0);
    const b = has(1);
    return a === b ? undefined : a ? 0 : 1;
  }

  async stop(i: 0 | 1): Promise<void> {
    const p = this.procs[i];
    this.procs[i] = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  }

  async close(): Promise<void> {
    await this.stop(0);
    await this.stop(1);
    for (const ns of this.ns) {
      try {
        execFileSync('ip', ['netns', 'del', ns]);
      } catch {
        /* already gone */
      }
    }
  }
}
