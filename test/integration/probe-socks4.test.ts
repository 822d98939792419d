import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { socks4Request } from '../../src/lib/socks4.js';
import type { ProbeTarget } from '../../src/probes/types.js';
import { Dante } from '../helpers/dante.js';
import { waitFor } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';
import { selfSignedCert } from '../helpers/tls-cert.js';

/** This file's ports (21500-21999 belong to this work). */
const SOCKD = 21510;
const BANNER = 21511;
const WEB = 21512;
const TLS_WEB = 21513;
const SILENT_PROXY = 21514;
const BLOCKED = 21515;
const NOBODY = 21516;
const NO_PROXY = 21517;
const SMTP = 21518;
const AGENT = 21521;

const via = (port = SOCKD) => ({ host: '127.0.0.1', port, userId: 'HAProxy' });
const at = (port: number, socks4 = via()): ProbeTarget => ({ host: '127.0.0.1', port, socks4 });
const direct = (port: number): ProbeTarget => ({ host: '127.0.0.1', port });

/**
 * Checks through a real SOCKS4 proxy, Debian's Dante (dante-server): every
 * TCP-based probe kind that takes `socks4` connects to the proxy, sends the
 * CONNECT request, and speaks to the server only after the proxy's 0x5A.
 * Each case that must fail through the proxy passes directly, so the
 * failure is the proxy's doing.
 */
describe('checks through a SOCKS4 proxy (Dante)', () => {
  const dante = new Dante(SOCKD, [BANNER, WEB, TLS_WEB, NOBODY, SMTP, AGENT]);
  const servers: net.Server[] = [];
  const listen = (server: net.Server, port: number) => new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));

  before(async () => {
    await dante.start();
    // A banner right away: it can arrive in the same segment as the proxy's grant.
    const banner = net.createServer((s) => {
      s.on('error', () => {});
      s.write('+OK rsguard-banner\r\n');
      s.on('data', (d) => {
        if (d.toString().startsWith('PING')) s.end('+PONG\r\n');
      });
    });
    const web = http.createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end('healthy'));
    const cert = selfSignedCert(['127.0.0.1']);
    const tlsWeb = https.createServer(cert, (_req, res) => res.writeHead(200).end('secure'));
    const silent = net.createServer((s) => s.on('error', () => {}));
    const blocked = net.createServer((s) => s.on('error', () => {}).end('+OK\r\n'));
    const smtp = net.createServer((s) => {
      s.on('error', () => {});
      s.write('220 mail.example ESMTP\r\n');
      s.on('data', (d) => {
        const line = d.toString();
        if (/^(EHLO|HELO)/i.test(line)) s.write('250 mail.example\r\n');
        else if (/^QUIT/i.test(line)) s.end('221 bye\r\n');
      });
    });
    // An HAProxy agent that answers only what was sent to it.
    const agent = net.createServer((s) => {
      s.on('error', () => {});
      s.on('data', (d) => s.end(d.toString() === 'be/s1\n' ? 'up 40%\n' : 'down\n'));
    });
    for (const [server, port] of [[banner, BANNER], [web, WEB], [tlsWeb, TLS_WEB], [silent, SILENT_PROXY], [blocked, BLOCKED], [smtp, SMTP], [agent, AGENT]] as const) {
      servers.push(server);
      // Checks close with a reset (as HAProxy's do): no server here may take that for a crash.
      server.on('connection', (c: net.Socket) => c.on('error', () => {}));
      await listen(server, port);
    }
  });
  after(async () => {
    for (const s of servers) s.close();
    await dante.stop();
  });

  it('the CONNECT request is HAProxy\'s, byte for byte (reg-tests/checks/tcp-checks-socks4.vtc accepts exactly this)', () => {
    assert.equal(socks4Request('127.0.0.1', 18001, 'HAProxy').toString('hex').toUpperCase(), '04014651' + '7F000001' + '484150726F787900');
  });

  it('a banner in the same segment as the grant is the server\'s first bytes, not lost with the reply', async () => {
    const seen: Buffer[] = [];
    // A minimal SOCKS4 proxy that grants and speaks for the server in one write.
    const fake = net.createServer((c) => {
      c.on('error', () => {});
      c.once('data', (req) => {
        seen.push(req);
        c.write(Buffer.concat([Buffer.from([0, 0x5a, 0, 0, 0, 0, 0, 0]), Buffer.from('220 in-one-segment\r\n')]));
        c.on('data', (d) => (/^QUIT/i.test(d.toString()) ? c.end('221 bye\r\n') : c.write('250 ok\r\n')));
      });
    });
    await listen(fake, 21519);
    try {
      for (const kind of ['tcp', 'smtp'] as const) {
        // smtp waits for the 220 before its EHLO: a greeting lost with the reply would time it out.
        const r = await probe(kind, at(BANNER, via(21519)), kind === 'tcp' ? { expect: 'in-one-segment' } : {}, 500);
        assert.ok(r.ok, `${kind}: ${r.detail}`);
      }
      assert.equal(seen[0]!.toString('hex'), socks4Request('127.0.0.1', BANNER, 'HAProxy').toString('hex'));
    } finally {
      fake.close();
    }
  });

  it('a TLS client that cannot be set up over the tunnel is a check error, and the tunnel is closed with it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-socks-'));
    const bad = path.join(dir, 'bad.pem');
    writeFileSync(bad, 'not a certificate\n');
    let open = 0;
    const fake = net.createServer((c) => {
      open++;
      c.on('error', () => {});
      c.once('close', () => open--);
      c.once('data', () => c.write(Buffer.from([0, 0x5a, 0, 0, 0, 0, 0, 0])));
    });
    await listen(fake, 21520);
    try {
      for (const [kind, spec] of [['https', { tlsCert: bad }], ['tcp', { tlsCert: bad, steps: [{ step: 'connect', tls: true }] }]] as const) {
        const r = await probe(kind, at(TLS_WEB, via(21520)), spec, 1000);
        assert.equal(r.error, 'exception', `${kind}: ${r.detail}`);
        await waitFor('the tunnel closed', () => (open === 0 ? true : undefined), 2000, 20);
      }
    } finally {
      fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tcp: connect, expect a banner sent behind the grant, and a send/expect dialogue', async () => {
    const connect = await probe('tcp', at(BANNER), {});
    assert.ok(connect.ok, connect.detail);
    const banner = await probe('tcp', at(BANNER), { expect: 'rsguard-banner' });
    assert.ok(banner.ok, banner.detail);
    const steps = await probe('tcp', at(BANNER), { steps: [{ step: 'connect' }, { step: 'send', data: 'PING\r\n' }, { step: 'expect', string: '+PONG' }] });
    assert.ok(steps.ok, steps.detail);
  });

  it('http and https (TLS over the tunnel)', async () => {
    const h = await probe('http', at(WEB), { path: '/health' });
    assert.ok(h.ok, h.detail);
    const miss = await probe('http', at(WEB), { path: '/nope' });
    assert.equal(miss.reason, 'status', miss.detail);
    const s = await probe('https', at(TLS_WEB), { tlsVerify: false });
    assert.ok(s.ok, s.detail);
    const steps = await probe('tcp', at(TLS_WEB), { tlsVerify: false, steps: [{ step: 'connect', tls: true }, { step: 'send', data: 'GET / HTTP/1.0\r\n\r\n' }, { step: 'expect', string: 'secure' }] });
    assert.ok(steps.ok, steps.detail);
  });

  it('smtp: the greeting and EHLO through the tunnel', async () => {
    const r = await probe('smtp', at(SMTP), {});
    assert.ok(r.ok, r.detail);
  });

  it("agent: agent-send and the line through the tunnel; refused by the proxy, a neutral result (HAProxy's agent changes nothing when it cannot connect)", async () => {
    const r = await probe('agent', at(AGENT), { send: 'be/s1\n' });
    assert.deepEqual([r.ok, r.weightPercent], [true, 40], r.detail);
    const blocked = await probe('agent', at(BLOCKED), {});
    assert.deepEqual([blocked.ok, blocked.neutral, blocked.reason, blocked.error], [false, true, 'refused', undefined], blocked.detail);
    assert.match(blocked.detail, /did not connect to 127\.0\.0\.1:21515.*: no change$/);
    // Directly the same server answers a line (an unknown word: neutral, but read).
    assert.equal((await probe('agent', direct(BLOCKED), {})).ok, true);
  });

  it('the proxy refuses (0x5B): down with the proxy\'s words, though the server itself answers', async () => {
    const d = await probe('tcp', direct(BLOCKED), { expect: '+OK' });
    assert.ok(d.ok, d.detail);
    for (const [kind, spec] of [['tcp', {}], ['http', {}], ['smtp', {}]] as const) {
      const r = await probe(kind, at(BLOCKED), spec);
      assert.equal(r.ok, false);
      assert.equal(r.error, undefined, 'a failed check, not a check error');
      assert.equal(r.reason, 'refused', r.detail);
      assert.match(r.detail, /SOCKS4 proxy 127\.0\.0\.1:21510 did not connect to 127\.0\.0\.1:21515: request rejected or failed/);
    }
  });

  it('a dead server behind a live proxy is down; so is every check when the proxy itself is away', async () => {
    const dead = await probe('tcp', at(NOBODY), {});
    assert.equal(dead.reason, 'refused');
    assert.match(dead.detail, /did not connect to 127\.0\.0\.1:21516/);
    const away = await probe('tcp', at(BANNER, via(NO_PROXY)), {});
    assert.equal(away.ok, false);
    assert.match(away.detail, /SOCKS4 proxy 127\.0\.0\.1:21517: connection refused/);
    const awayHttp = await probe('http', at(WEB, via(NO_PROXY)), {});
    assert.match(awayHttp.detail, /SOCKS4 proxy 127\.0\.0\.1:21517: connection refused/);
  });

  it('a proxy that never replies: the check times out at its deadline', async () => {
    const t0 = performance.now();
    for (const kind of ['tcp', 'http'] as const) {
      const r = await probe(kind, at(BANNER, via(SILENT_PROXY)), {}, 300);
      assert.equal(r.reason, 'timeout', `${kind}: ${r.detail}`);
    }
    const steps = await probe('tcp', at(BANNER, via(SILENT_PROXY)), { steps: [{ step: 'connect' }] }, 300);
    assert.equal(steps.reason, 'timeout', steps.detail);
    assert.ok(performance.now() - t0 < 3 * 300 + 1500);
  });
});
