import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { CheckConn, CheckConnHandlers } from '../../src/lib/check-conn.js';
import { ADDON_PATH } from '../../src/lib/check-socket-native.js';
import { checkQuickAckOff, RawTcpConn, rawTcpAvailable } from '../../src/lib/raw-tcp-conn.js';
import { openPlainSocket, SocketConn } from '../../src/lib/socket-conn.js';
import { freePort, listenOn } from '../helpers/ports.js';

/**
 * The raw-handle connection must behave as the net.Socket one it replaces,
 * event for event, or a probe's verdicts would change with the path taken.
 * Both run the same scenarios against real loopback servers.
 */
type Maker = (host: string, port: number, h: CheckConnHandlers) => CheckConn;
const makers: Array<[string, Maker]> = [
  ['raw handle', (host, port, h) => new RawTcpConn(host, port, net.isIP(host) as 4 | 6, h)],
  // A check that writes first (HTTP, tcp with send) or only connects: the addon's socket, quick ACK off, when built.
  ['raw handle, sends first', (host, port, h) => new RawTcpConn(host, port, net.isIP(host) as 4 | 6, h, true)],
  ['net.Socket', (host, port, h) => new SocketConn(net.connect({ host, port }), 'connect', h)],
  // What a check to a host name, or on a Node without the raw handle, takes.
  ['net.Socket on the shared read buffer', openPlainSocket],
];

interface Recorded {
  events: string[];
  data: string;
  error?: NodeJS.ErrnoException;
  conn: CheckConn;
}

/** Opens a connection and records every event until `until` says it has seen enough (bounded by 3 s). */
function record(make: Maker, host: string, port: number, onConnect: (c: CheckConn) => void, until: (r: Recorded) => boolean): Promise<Recorded> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no end: ${JSON.stringify(r.events)}`)), 3000);
    const check = () => {
      if (until(r)) {
        clearTimeout(timer);
        // A little longer, so an event after the end (which must not come) would be seen.
        setTimeout(() => resolve(r), 50);
      }
    };
    const r: Recorded = {
      events: [],
      data: '',
      conn: make(host, port, {
        connect: () => {
          r.events.push('connect');
          onConnect(r.conn);
          check();
        },
        data: (chunk) => {
          r.events.push('data');
          r.data += chunk.toString('utf8');
          check();
        },
        end: () => {
          r.events.push('end');
          check();
        },
        error: (err) => {
          r.events.push('error');
          r.error = err;
          check();
        },
      }),
    };
  });
}

describe('check connections: the raw handle and net.Socket agree', () => {
  let echo: net.Server;
  let echoPort: number;
  let echo6Port: number;
  let echo6: net.Server;
  const serverSaw: string[] = [];

  before(async () => {
    const serve = (s: net.Socket) => {
      s.on('error', (err: NodeJS.ErrnoException) => serverSaw.push(err.code ?? 'error'));
      s.on('data', (d) => {
        // "bye" ends the reply with a FIN; anything else is echoed and the connection stays open.
        if (d.toString().includes('bye')) s.end(`ECHO ${d.toString()}`);
        else s.write(`ECHO ${d.toString()}`);
      });
    };
    echo = net.createServer(serve);
    echo6 = net.createServer(serve);
    echoPort = await listenOn(echo);
    echo6Port = await listenOn(echo6, '::1');
  });
  after(() => {
    echo.close();
    echo6.close();
  });

  it('the raw handle is available on this Node (else every check would take the net.Socket path)', () => {
    assert.equal(rawTcpAvailable, true);
  });

  for (const [name, make] of makers) {
    describe(name, () => {
      it('connects, writes (strings as UTF-8), reads, and sees the peer close', async () => {
        const r = await record(make, '127.0.0.1', echoPort, (c) => c.write('héllo bye'), (x) => x.events.includes('end'));
        assert.equal(r.data, 'ECHO héllo bye');
        assert.deepEqual(r.events.filter((e, i, a) => e !== 'data' || a[i - 1] !== 'data'), ['connect', 'data', 'end']);
        assert.equal(r.conn.state, 'open');
        r.conn.close();
        assert.equal(r.conn.state, 'closed');
      });

      it('IPv6: connects to ::1', async () => {
        const r = await record(make, '::1', echo6Port, (c) => c.write(Buffer.from('six bye')), (x) => x.events.includes('end'));
        assert.equal(r.data, 'ECHO six bye');
        r.conn.close();
      });

      it('a refused connect is one error with the code, syscall and address net gives', async () => {
        const port = await freePort();
        const r = await record(make, '127.0.0.1', port, () => {}, (x) => x.events.includes('error'));
        assert.deepEqual(r.events, ['error']);
        assert.equal(r.error?.code, 'ECONNREFUSED');
        assert.equal(r.error?.syscall, 'connect');
        assert.equal(r.error?.message, `connect ECONNREFUSED 127.0.0.1:${port}`);
        assert.equal(r.conn.state, 'closed');
      });

      it('nothing is reported after close, even with the answer on its way', async () => {
        const r = await record(make, '127.0.0.1', echoPort, (c) => {
          c.write('late bye');
          c.close();
        }, (x) => x.events.includes('connect'));
        await new Promise((res) => setTimeout(res, 100));
        assert.deepEqual(r.events, ['connect']);
      });

      it('closed while still connecting: no event at all', async () => {
        const events: string[] = [];
        const push = (e: string) => () => events.push(e);
        const c = make('127.0.0.1', echoPort, { connect: push('connect'), data: push('data'), end: push('end'), error: push('error') });
        assert.equal(c.state, 'connecting');
        c.close();
        await new Promise((res) => setTimeout(res, 100));
        assert.deepEqual(events, []);
      });

      it('reset: the server sees ECONNRESET, not a clean close', async () => {
        const before = serverSaw.length;
        const r = await record(make, '127.0.0.1', echoPort, (c) => c.write('ping'), (x) => x.data.length > 0);
        r.conn.reset();
        assert.equal(r.conn.state, 'closed');
        const deadline = Date.now() + 2000;
        while (serverSaw.length === before && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
        assert.deepEqual(serverSaw.slice(before), ['ECONNRESET']);
      });

      it('a peer that resets mid-exchange is one error, ECONNRESET on read', async () => {
        const rude = net.createServer((s) => s.once('data', () => s.resetAndDestroy()));
        const port = await listenOn(rude);
        try {
          const r = await record(make, '127.0.0.1', port, (c) => c.write('x'), (x) => x.events.includes('error'));
          assert.deepEqual(r.events, ['connect', 'error']);
          assert.equal(r.error?.code, 'ECONNRESET');
          assert.equal(r.conn.state, 'closed');
        } finally {
          rude.close();
        }
      });
    });
  }
});

/** Opens `count` connect-only checks one after the other, each reset at connect; how many the server accepted. */
async function connectOnly(sendsFirst: boolean, count: number): Promise<number> {
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted++;
    s.on('error', () => {});
    s.destroy();
  });
  const port = await listenOn(server);
  try {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) => {
        const c: CheckConn = new RawTcpConn('127.0.0.1', port, 4, { connect: () => (c.reset(), resolve()), data: () => {}, end: () => {}, error: reject }, sendsFirst);
      });
    }
    // Whatever the server would accept is in its backlog by now: loopback delivers the handshake's packets at once.
    await new Promise((res) => setTimeout(res, 200));
    return accepted;
  } finally {
    server.close();
  }
}

const notBuilt = !existsSync(ADDON_PATH) && `native addon not built (node dist/scripts/build-native.js): ${ADDON_PATH}`;

describe('check sockets with quick ACK off (native/check-socket.c), as HAProxy makes its check sockets', () => {
  it('the addon, when built, is loaded and used', { skip: notBuilt }, () => {
    assert.equal(checkQuickAckOff, true);
  });

  it("a connect check that sends first resets before its handshake's ACK leaves: the server never accepts it", { skip: notBuilt }, async () => {
    assert.equal(await connectOnly(true, 20), 0);
  });

  it("a check that may wait for the server to speak keeps the kernel's quick ACK: the server accepts every connection", async () => {
    assert.equal(await connectOnly(false, 20), 20);
  });
});
