import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { ADDON_PATH } from '../../src/lib/check-socket-native.js';
import { listenOn } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';

/**
 * Which checks open their socket with quick ACK off (src/lib/raw-tcp-conn.ts): those that write first or only
 * connect. A socket with quick ACK off holds the handshake's last ACK back for up to 200 ms, so a server that speaks
 * first would not accept, nor send its banner, before then: those checks must keep the kernel's quick ACK.
 */
const notBuilt = !existsSync(ADDON_PATH) && `native addon not built (node dist/scripts/build-native.js): ${ADDON_PATH}`;

describe('probes and quick ACK', () => {
  const servers: net.Server[] = [];
  let accepted = 0;
  const start = async (onConn: (s: net.Socket) => void) => {
    const server = net.createServer((s) => {
      accepted++;
      s.on('error', () => {});
      onConn(s);
    });
    servers.push(server);
    return listenOn(server);
  };
  after(() => servers.forEach((s) => s.close()));

  it('a banner check (tcp, expect without send) gets its banner well inside 100 ms: the server accepts at once', async () => {
    const port = await start((s) => s.end('220 ready\r\n'));
    for (let i = 0; i < 3; i++) {
      const r = await probe('tcp', { host: '127.0.0.1', port }, { expect: '220' }, 100);
      assert.equal(r.ok, true, r.detail);
    }
  });

  it('an agent without send reads the agent line inside 100 ms', async () => {
    const port = await start((s) => s.end('up 50%\n'));
    const r = await probe('agent', { host: '127.0.0.1', port }, {}, 100);
    assert.equal(r.ok, true, r.detail);
  });

  it('a plain connect check passes and the server never accepts it (reset before the handshake ACK)', { skip: notBuilt }, async () => {
    const port = await start(() => {});
    const before = accepted;
    for (let i = 0; i < 5; i++) assert.equal((await probe('tcp', { host: '127.0.0.1', port }, {})).ok, true);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(accepted - before, 0);
  });

  it('an HTTP check and a tcp check with send still get their answers', { skip: notBuilt }, async () => {
    const port = await start((s) => s.once('data', (d) => s.end(d.toString().startsWith('GET') ? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' : `ECHO ${d.toString()}`)));
    const h = await probe('http', { host: '127.0.0.1', port }, { path: '/', expectBody: 'ok' });
    assert.equal(h.ok, true, h.detail);
    const t = await probe('tcp', { host: '127.0.0.1', port }, { send: 'hi\n', expect: 'ECHO hi' });
    assert.equal(t.ok, true, t.detail);
  });
});
