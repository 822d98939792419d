import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseServersState, type ServerState } from '../../src/actuators/haproxy/servers-state.js';
import { importHaproxy } from '../../src/config/import/haproxy.js';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import { Haproxy } from '../helpers/haproxy.js';
import { freePort, waitFor } from '../helpers/ports.js';

/** A server as traffic sees it: `out` (down or in maintenance), `drain` (up at weight 0 or drained), `up/W`. */
function view(s: ServerState | undefined): string {
  if (!s) return 'missing';
  // Forced, inherited, configured or resolution maintenance (srv_admin flags 0x01, 0x02, 0x04, 0x20).
  if (s.adminState & 0x27 || s.opState === 0) return 'out';
  if (s.adminState & 0x18 || s.weight === 0) return 'drain';
  return `up/${s.weight}`;
}

/** A TCP listener that can be stopped and started again on the same port. */
class Listener {
  private server: net.Server | undefined;
  constructor(readonly port: number, private readonly onConn: (sock: net.Socket) => void) {}
  async start(): Promise<void> {
    const s = net.createServer((sock) => {
      sock.on('error', () => {});
      this.onConn(sock);
    });
    await new Promise<void>((resolve, reject) => s.once('error', reject).listen(this.port, '127.0.0.1', () => resolve()));
    this.server = s;
  }
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

interface Step {
  name: string;
  /** What the agent answers every connection from now on (then closes). */
  say?: string;
  /** What it answers t1's own agent check instead, from now on (null: the same as the others). */
  t1?: string | null;
  /** Whether the agent listens (stopped: connections refused). */
  agent?: 'on' | 'off';
  /** Whether a2's service (its regular `check`) listens. */
  service?: 'on' | 'off';
  /**
   * What HAProxy's own agent-check makes of a1 (agent only, weight 10), a2
   * (check + agent, weight 3) and t1 (tracks a2, its own agent, weight 4).
   */
  want: [a1: string, a2: string, t1: string];
}

/**
 * The differential: one real HAProxy 2.6 runs agent-check itself on backend
 * `native`; rsguard runs the same server lines, imported from haproxy.cfg,
 * and drives backend `driven` (no checks of HAProxy's own) through the
 * runtime API. One agent on loopback answers both, step by step; after each
 * answer both backends must settle on the same servers (up and weight, drain,
 * out). The expected value of each step is HAProxy's, so a step that does not
 * exercise what its name says fails on the native side first.
 */
describe('agent-check: HAProxy 2.6 and rsguard make the same servers of the same agent answers', () => {
  let dir: string;
  let haproxy: Haproxy;
  let daemon: Daemon;
  let agent: Listener;
  let service: Listener;
  let reply = 'up\n';
  let replyT1: string | null = null;
  /** What each agent connection sent, and how many came since the last step. */
  const sent = new Set<string>();
  let connections = 0;

  const steps: Step[] = [
    { name: 'up', say: 'up\n', want: ['up/10', 'up/3', 'up/4'] },
    { name: 'a percentage: of the configured weight, rounded down', say: '50%\n', want: ['up/5', 'up/1', 'up/2'] },
    { name: 'down', say: 'down\n', want: ['out', 'out', 'out'] },
    { name: 'garbage changes nothing', say: 'garbage words\n', want: ['out', 'out', 'out'] },
    { name: 'a weight while down', say: '75%\n', want: ['out', 'out', 'out'] },
    { name: 'up again, at the weight asked while down', say: 'up\n', want: ['up/7', 'up/2', 'up/3'] },
    { name: "the agent's up does not lift a server its regular check has down", service: 'off', want: ['up/7', 'out', 'out'] },
    { name: 'the regular check passes again', service: 'on', want: ['up/7', 'up/2', 'up/3'] },
    { name: 'drain', say: 'drain\n', want: ['drain', 'drain', 'drain'] },
    { name: 'maint with a weight', say: 'maint 100%\n', want: ['out', 'out', 'out'] },
    { name: 'up leaves a maintenance as it is', say: 'up\n', want: ['out', 'out', 'out'] },
    { name: 'ready ends it', say: 'ready\n', want: ['up/10', 'up/3', 'up/4'] },
    { name: '0% drains', say: '0%\n', want: ['drain', 'drain', 'drain'] },
    { name: 'above 100%', say: '150%\n', want: ['up/15', 'up/4', 'up/6'] },
    { name: 'a bad percentage is no weight', say: '50%%\n', want: ['up/15', 'up/4', 'up/6'] },
    { name: 'a huge percentage: 256 at most', say: '99999999999%\n', want: ['up/256', 'up/256', 'up/256'] },
    { name: '1% of 10 and of 3 rounds to 0', say: '1%\n', want: ['drain', 'drain', 'drain'] },
    { name: 'a line without its end changes nothing', say: 'up 100%', want: ['drain', 'drain', 'drain'] },
    { name: 'a NUL before the end of the line changes nothing', say: 'up 100%\0\n', want: ['drain', 'drain', 'drain'] },
    { name: 'an agent that cannot be reached changes nothing', agent: 'off', want: ['drain', 'drain', 'drain'] },
    { name: 'back, failing, with a description', agent: 'on', say: 'fail # gone\n', want: ['out', 'out', 'out'] },
    { name: 'commas, upper case, admin ready while stopped', say: 'stopped 60%,READY\n', want: ['out', 'out', 'out'] },
    { name: 'UP', say: 'UP\n', want: ['up/6', 'up/1', 'up/2'] },
    { name: 'words glued to # or prefixed are unknown', say: 'x50% up#note\n', want: ['up/6', 'up/1', 'up/2'] },
    { name: 'the last percentage word wins, even when bad', say: '50% 60%x\n', want: ['up/6', 'up/1', 'up/2'] },
    { name: 'an empty line', say: '\n', want: ['up/6', 'up/1', 'up/2'] },
    { name: 'down, 20% and maint at once', say: 'down 20% maint\n', want: ['out', 'out', 'out'] },
    { name: 'ready up: 20% of 3 is 0', say: 'ready up\n', want: ['up/2', 'drain', 'drain'] },
    { name: 'the regular check fails on a drained server', service: 'off', want: ['up/2', 'out', 'out'] },
    // t1 tracks a2 and has an agent of its own, asked apart from here on.
    { name: "the tracker's own agent down takes only it out", service: 'on', say: '100%\n', t1: 'down\n', want: ['up/10', 'up/3', 'out'] },
    { name: "the tracker's weight is its own agent's, not the tracked server's", say: '50%\n', t1: 'up 100%\n', want: ['up/5', 'up/1', 'up/4'] },
    { name: "the tracked server's agent down takes the tracker with it, whatever the tracker's agent says", say: 'down\n', t1: 'up\n', want: ['out', 'out', 'out'] },
    { name: "the tracked server's drain reaches the tracker", say: 'up drain\n', t1: 'up\n', want: ['drain', 'drain', 'drain'] },
    { name: "the tracked server's ready; the tracker's own drain", say: 'ready\n', t1: 'drain\n', want: ['up/5', 'up/1', 'drain'] },
    { name: "the tracker's maint, its ready", say: '100%\n', t1: 'maint\n', want: ['up/10', 'up/3', 'out'] },
    { name: 'all back', say: '100%\n', t1: 'ready\n', want: ['up/10', 'up/3', 'up/4'] },
  ];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-agentv-'));
    // Every check sends its agent-send first: the answer is chosen by who asks.
    agent = new Listener(await freePort(), (sock) => {
      connections++;
      let got = '';
      sock.on('data', (d: Buffer) => {
        if (!got) sock.end(Buffer.from(d.toString('latin1').startsWith('t1') ? (replyT1 ?? reply) : reply, 'latin1'));
        got += d.toString('latin1');
      });
      sock.on('close', () => sent.add(got));
    });
    service = new Listener(await freePort(), (sock) => sock.end());
    await agent.start();
    await service.start();
    const a1Port = await freePort();
    // Every server sends agent-send: HAProxy 2.6.12 times out (one connection, then L7TOUT) the agent checks of servers
    // without it at agent-inter under ~300 ms when other servers have one (measured; not what is compared here).
    const t1Port = await freePort();
    const lines =
      `  server a1 127.0.0.1:${a1Port} weight 10 agent-check agent-port ${agent.port} agent-inter 100ms agent-send "a1 \\x01\\t\\xff\\n"\n` +
      `  server a2 127.0.0.1:${service.port} weight 3 check inter 100ms rise 1 fall 1 agent-check agent-port ${agent.port} agent-inter 100ms agent-send "a2\\n"\n` +
      `  server t1 127.0.0.1:${t1Port} weight 4 track a2 agent-check agent-port ${agent.port} agent-inter 100ms agent-send "t1\\n"\n`;
    haproxy = new Haproxy(`backend native\n${lines}backend driven\n  server a1 127.0.0.1:${a1Port} weight 10\n  server a2 127.0.0.1:${service.port} weight 3\n  server t1 127.0.0.1:${t1Port} weight 4\n`);
    await haproxy.start();
    const imported = importHaproxy('haproxy.cfg', `global\n  stats socket ${haproxy.socket} level admin\nbackend driven\n${lines}`);
    assert.deepEqual(imported.errors, []);
    const input = imported.input as Record<string, unknown>;
    input.global = { listen: `127.0.0.1:${await freePort()}`, startupSpread: '10ms', stateFile: false };
    input.balancer = { ...(input.balancer as object), reconcileInterval: '1s' };
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(file, JSON.stringify(input));
    daemon = await startDaemon({ configFile: file, log: createLogger('fatal') });
  });

  after(async () => {
    await daemon?.stop();
    await haproxy?.close();
    await agent?.stop();
    await service?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const both = async () => {
    const all = parseServersState(await haproxy.client.send('show servers state'));
    const of = (be: string, name: string) => view(all.find((s) => s.backend === be && s.name === name));
    return { native: [of('native', 'a1'), of('native', 'a2'), of('native', 't1')], driven: [of('driven', 'a1'), of('driven', 'a2'), of('driven', 't1')] };
  };

  for (const step of steps) {
    it(`${step.name}: ${JSON.stringify(step.say ?? `agent ${step.agent ?? 'on'}, service ${step.service ?? 'on'}`)} → ${step.want.join(', ')}`, async () => {
      if (step.agent === 'off') await agent.stop();
      if (step.agent === 'on') await agent.start();
      if (step.service === 'off') await service.stop();
      if (step.service === 'on') await service.start();
      if (step.say !== undefined) reply = step.say;
      if (step.t1 !== undefined) replyT1 = step.t1;
      connections = 0;
      // Both sides asked the agent a few times (HAProxy and rsguard, three servers each, every 100 ms), or, with the agent
      // stopped, as long as that takes.
      if (step.agent === 'off') await new Promise((r) => setTimeout(r, 800));
      else await waitFor('agent asked', () => (connections >= 18 ? true : undefined), 5000, 20);
      // Then the same view three times in a row on both sides: settled.
      let last = '';
      let same = 0;
      let seen: Awaited<ReturnType<typeof both>> | undefined;
      await waitFor(
        'both backends settled',
        async () => {
          seen = await both();
          const now = JSON.stringify(seen);
          same = now === last ? same + 1 : 0;
          last = now;
          return same >= 3 && seen.native.join() === seen.driven.join() ? true : undefined;
        },
        6000,
        100,
      ).catch(() => undefined);
      assert.deepEqual(seen?.native, step.want, "HAProxy's own agent-check: the step itself is wrong");
      assert.deepEqual(seen?.driven, seen?.native, 'rsguard (backend driven) against HAProxy (backend native)');
    });
  }

  it('both sent agent-send as the same bytes, and rsguard did run its agent checks', () => {
    assert.deepEqual([...sent].filter((s) => s !== '').sort(), ['a1 \x01\t\xff\n', 'a2\n', 't1\n']);
    const agents = [...daemon.monitor.current.checks.values()].filter((c) => c.kind === 'agent');
    assert.equal(agents.length, 3);
    for (const c of agents) assert.ok((daemon.monitor.checkState(c.id)?.results ?? 0) > 50, `${c.label}: ${daemon.monitor.checkState(c.id)?.results} results`);
  });
});
