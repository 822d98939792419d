import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { freePort, listenOn } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';

/** An agent on loopback: `answer` decides, per connection, what it does; what each connection sent is kept. */
function agentServer(answer: (sock: net.Socket) => void) {
  const got: Buffer[] = [];
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    const mine: Buffer[] = [];
    got.push(Buffer.alloc(0));
    const i = got.length - 1;
    sock.on('data', (d: Buffer) => {
      mine.push(d);
      got[i] = Buffer.concat(mine);
    });
    answer(sock);
  });
  return { server, got };
}

describe('agent probe against a real agent on loopback', () => {
  const servers: net.Server[] = [];
  const start = async (answer: (sock: net.Socket) => void) => {
    const a = agentServer(answer);
    servers.push(a.server);
    return { port: await listenOn(a.server), got: a.got };
  };
  const run = (port: number, spec: Record<string, unknown> = {}, timeoutMs = 1000) => probe('agent', { host: '127.0.0.1', port }, spec, timeoutMs);

  after(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  });

  it('reads the line and reports health, weight and admin', async () => {
    const { port } = await start((s) => s.end('up 50% drain\r\n'));
    const r = await run(port);
    assert.deepEqual([r.ok, r.neutral, r.weightPercent, r.weightPercentAs, r.admin], [true, undefined, 50, 'haproxy-agent', 'drain']);
    const down = await start((s) => s.write('stopped #deploying\n'));
    const d = await run(down.port);
    assert.deepEqual([d.ok, d.reason, d.neutral], [false, 'status', undefined]);
    assert.match(d.detail, /\(deploying\)/);
  });

  it('sends agent-send byte for byte, once connected, and nothing without it', async () => {
    const a = await start((s) => s.on('data', () => s.end('up\n')));
    await run(a.port, { send: 'be1/srv\n\x01\xff' });
    assert.deepEqual(a.got[0], Buffer.from([...Buffer.from('be1/srv\n'), 0x01, 0xff]));
    const b = await start((s) => setTimeout(() => s.end('up\n'), 50));
    await run(b.port);
    assert.equal(b.got[0]!.length, 0);
  });

  it('a line in pieces is read whole', async () => {
    const { port } = await start((s) => {
      s.write('u');
      setTimeout(() => s.write('p 7'), 20);
      setTimeout(() => s.end('5%\n'), 40);
    });
    const r = await run(port);
    assert.deepEqual([r.ok, r.weightPercent], [true, 75]);
  });

  it('whatever gives no line changes nothing (neutral), and says why', async () => {
    const refused = await run(await freePort());
    assert.deepEqual([refused.ok, refused.neutral, refused.reason, refused.error], [false, true, 'refused', undefined]);
    assert.match(refused.detail, /agent not reached: connection refused: no change/);

    const closed = await run((await start((s) => s.end())).port);
    assert.deepEqual([closed.neutral, closed.reason], [true, 'protocol']);
    assert.match(closed.detail, /closed without a line/);

    const half = await run((await start((s) => s.end('up 50%'))).port);
    assert.deepEqual([half.neutral, half.weightPercent], [true, undefined]);
    assert.match(half.detail, /closed mid-line: up 50%/);

    const silent = await run((await start(() => {})).port, {}, 300);
    assert.deepEqual([silent.neutral, silent.reason], [true, 'timeout']);

    const nul = await run((await start((s) => s.write('up\0 50%\n'))).port);
    assert.deepEqual([nul.neutral, nul.ok], [true, false]);
    assert.match(nul.detail, /NUL byte/);
  });

  it('a flood without a line end is given up at 16 KiB, well before the timeout', async () => {
    const { port } = await start((s) => {
      const chunk = Buffer.alloc(4096, 'x');
      for (let i = 0; i < 64; i++) s.write(chunk);
    });
    const t0 = performance.now();
    const r = await run(port, {}, 5000);
    assert.ok(performance.now() - t0 < 2000);
    assert.deepEqual([r.neutral, r.reason], [true, 'protocol']);
    assert.match(r.detail, /no end of line in the first 16384 bytes/);
  });
});
