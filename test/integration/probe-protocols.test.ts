import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { createBlackhole, type Blackhole } from '../helpers/blackhole-netns.js';
import { freePort } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';
import { startDovecot, startUnbound, startVsftpd, type Peer } from '../helpers/protocol-peers.js';
import { selfSignedCert } from '../helpers/tls-cert.js';

const L = '127.0.0.1';
/** Generous: these machines are loaded (dovecot runs with auth_failure_delay 0, so a bad login is not held back). */
const SLOW = 6000;
/** The deadline plus this is where a "within its deadline" result must be in. */
const MARGIN = 1500;

/** A hostile peer: answers every connection with `greet`, then trickles bytes without ever ending a line. */
async function hostile(greet: string): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.write(greet);
    const t = setInterval(() => s.write('x'.repeat(512)), 20);
    s.once('close', () => (clearInterval(t), sockets.delete(s)));
  });
  await new Promise<void>((r) => server.listen(port, L, () => r()));
  return { port, close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))) };
}

describe('protocol probes against real servers (dovecot, vsftpd, unbound, smtp-server) on loopback', () => {
  let dovecot: Peer;
  let ftp: Peer;
  let dns: Peer;
  let blackhole: Blackhole;
  let smtp: SMTPServer;
  let smtpPort: number;
  let refusing: SMTPServer;
  let refusingPort: number;
  const cert = selfSignedCert(['localhost', '127.0.0.1']);
  before(async () => {
    [dovecot, ftp, dns] = await Promise.all([startDovecot(), startVsftpd(), startUnbound()]);
    blackhole = createBlackhole();
    smtpPort = await freePort();
    smtp = new SMTPServer({ key: cert.key, cert: cert.cert, authOptional: true, disableReverseLookup: true, logger: false, closeTimeout: 200 });
    await new Promise<void>((r) => smtp.listen(smtpPort, L, () => r()));
    refusingPort = await freePort();
    // A server that refuses the session from its banner, as a full queue or a blocklist does.
    refusing = new SMTPServer({ authOptional: true, disableReverseLookup: true, logger: false, closeTimeout: 200, onConnect: (_s, cb) => cb(Object.assign(new Error('Service unavailable'), { responseCode: 554 })) });
    await new Promise<void>((r) => refusing.listen(refusingPort, L, () => r()));
  });
  after(async () => {
    await Promise.all([dovecot?.close(), ftp?.close(), dns?.close(), new Promise<void>((r) => smtp?.close(() => r())), new Promise<void>((r) => refusing?.close(() => r()))]);
    blackhole?.close();
  });

  describe('smtp', () => {
    it('up: 220 banner and 250 to EHLO; with STARTTLS, the upgrade verified against the CA file', async () => {
      const plain = await probe('smtp', { host: L, port: smtpPort }, {}, SLOW);
      assert.ok(plain.ok, plain.detail);
      const tls = await probe('smtp', { host: L, port: smtpPort }, { starttls: true, tlsCa: writeCa(cert.cert) }, SLOW);
      assert.ok(tls.ok, tls.detail);
      assert.match(tls.detail, /STARTTLS/);
    });
    it('down: a certificate from an unknown CA fails STARTTLS unless tlsVerify is false', async () => {
      const r = await probe('smtp', { host: L, port: smtpPort }, { starttls: true }, SLOW);
      assert.equal(r.ok, false);
      assert.equal(r.reason, 'tls');
      assert.ok((await probe('smtp', { host: L, port: smtpPort }, { starttls: true, tlsVerify: false }, SLOW)).ok);
    });
    it('down: a 554 banner (the server refuses mail)', async () => {
      const r = await probe('smtp', { host: L, port: refusingPort }, {}, SLOW);
      assert.equal(r.ok, false);
      assert.equal(r.reason, 'body');
      assert.match(r.detail, /banner: 554/);
    });
    it('keepalived SMTP_CHECK form (HELO) is up too', async () => {
      assert.ok((await probe('smtp', { host: L, port: smtpPort }, { greeting: 'HELO', helo: 'lvs1.example' }, SLOW)).ok);
    });
  });

  describe('imap and pop (dovecot)', () => {
    it('up: greeting only, a login, IMAPS/POP3S and STARTTLS/STLS with the CA file', async () => {
      const ca = dovecot.caFile;
      for (const [kind, port, spec] of [
        ['imap', dovecot.ports.imap, {}],
        ['imap', dovecot.ports.imap, { user: 'bob', pass: 'secret' }],
        ['imap', dovecot.ports.imap, { starttls: true, tlsCa: ca, user: 'bob', pass: 'secret' }],
        ['imap', dovecot.ports.imaps, { tls: true, tlsCa: ca, user: 'bob', pass: 'secret' }],
        ['pop', dovecot.ports.pop, {}],
        ['pop', dovecot.ports.pop, { user: 'bob', pass: 'secret' }],
        ['pop', dovecot.ports.pop, { starttls: true, tlsCa: ca, user: 'bob', pass: 'secret' }],
        ['pop', dovecot.ports.pops, { tls: true, tlsCa: ca }],
      ] as const) {
        const r = await probe(kind, { host: L, port: port! }, spec, SLOW);
        assert.ok(r.ok, `${kind} ${JSON.stringify(spec)}: ${r.detail}`);
      }
    });
    it('down: a wrong password', async () => {
      const i = await probe('imap', { host: L, port: dovecot.ports.imap! }, { user: 'bob', pass: 'wrong' }, SLOW);
      assert.equal(i.ok, false);
      assert.match(i.detail, /LOGIN: a2 NO/);
      const p = await probe('pop', { host: L, port: dovecot.ports.pop! }, { user: 'bob', pass: 'wrong' }, SLOW);
      assert.equal(p.ok, false);
      assert.match(p.detail, /PASS: -ERR/);
    });
  });

  describe('ftp (vsftpd)', () => {
    it('up: banner and anonymous login; AUTH TLS with the CA file', async () => {
      const r = await probe('ftp', { host: L, port: ftp.ports.ftp! }, {}, SLOW);
      assert.ok(r.ok, r.detail);
      assert.match(r.detail, /vsFTPd.*logged in as anonymous/);
      const t = await probe('ftp', { host: L, port: ftp.ports.ftp! }, { starttls: true, tlsCa: ftp.caFile }, SLOW);
      assert.ok(t.ok, t.detail);
    });
    it('a file fetched in passive mode and matched (ldirectord request/receive): up; other content or no such file: down', async () => {
      const r = await probe('ftp', { host: L, port: ftp.ports.ftp! }, { retrieve: '/health.txt', expectRegex: 'is ok' }, SLOW);
      assert.ok(r.ok, r.detail);
      const other = await probe('ftp', { host: L, port: ftp.ports.ftp! }, { retrieve: '/health.txt', expectRegex: 'is broken' }, SLOW);
      assert.equal(other.ok, false);
      assert.equal(other.reason, 'body');
      const missing = await probe('ftp', { host: L, port: ftp.ports.ftp! }, { retrieve: '/nope.txt' }, SLOW);
      assert.equal(missing.ok, false);
      assert.match(missing.detail, /RETR: 550/);
    });
    it('down: a user the server refuses', async () => {
      const r = await probe('ftp', { host: L, port: ftp.ports.ftp! }, { user: 'bob', pass: 'x' }, SLOW);
      assert.equal(r.ok, false);
      assert.match(r.detail, /USER: 530/);
    });
  });

  describe('nntp (a responder: inn2 does not install here, its postinst needs a host name with a domain)', () => {
    it('up on a 200 or 201 greeting; down on 400 (service unavailable)', async () => {
      for (const [greeting, ok] of [['200 news.example ready (posting ok)', true], ['201 news.example ready (no posting)', true], ['400 news.example closed', false]] as const) {
        const port = await freePort();
        const server = net.createServer((sock) => {
          sock.on('error', () => undefined);
          sock.write(`${greeting}\r\n`);
          sock.on('data', (d) => d.toString().startsWith('QUIT') && sock.end('205 bye\r\n'));
        });
        await new Promise<void>((r) => server.listen(port, L, () => r()));
        try {
          const r = await probe('nntp', { host: L, port }, {}, SLOW);
          assert.equal(r.ok, ok, `${greeting}: ${r.detail}`);
        } finally {
          await new Promise<void>((r) => server.close(() => r()));
        }
      }
    });
  });

  describe('dns (unbound)', () => {
    it('up: SOA of the zone over UDP (keepalived DNS_CHECK) and an expected A and AAAA answer over TCP (ldirectord receive)', async () => {
      const soa = await probe('dns', { host: L, port: dns.ports.dns! }, { query: 'rsguard.test' }, SLOW);
      assert.ok(soa.ok, soa.detail);
      const a = await probe('dns', { host: L, port: dns.ports.dns! }, { query: 'www.rsguard.test', type: 'A', transport: 'tcp', expectAnswer: '192.0.2.80' }, SLOW);
      assert.ok(a.ok, a.detail);
      const aaaa = await probe('dns', { host: L, port: dns.ports.dns! }, { query: 'www.rsguard.test', type: 'AAAA', expectAnswer: '2001:db8::80' }, SLOW);
      assert.ok(aaaa.ok, aaaa.detail);
    });
    it('down: NXDOMAIN, and an answer other than the expected one', async () => {
      const nx = await probe('dns', { host: L, port: dns.ports.dns! }, { query: 'nope.rsguard.test', type: 'A' }, SLOW);
      assert.equal(nx.ok, false);
      assert.match(nx.detail, /NXDOMAIN/);
      const wrong = await probe('dns', { host: L, port: dns.ports.dns! }, { query: 'www.rsguard.test', type: 'A', expectAnswer: '192.0.2.81' }, SLOW);
      assert.equal(wrong.ok, false);
      assert.equal(wrong.reason, 'body');
    });
  });

  describe('udp (keepalived UDP_CHECK)', () => {
    it('up on a reply that starts with requireReply; down on another reply; down on ICMP port unreachable', async () => {
      const port = await freePort();
      const echo = dgram.createSocket('udp4');
      echo.on('message', (m, from) => echo.send(Buffer.concat([Buffer.from('ok:'), m]), from.port, from.address));
      await new Promise<void>((r) => echo.bind(port, L, () => r()));
      try {
        const up = await probe('udp', { host: L, port }, { payload: '68656c6c6f', requireReply: '6f6b3a' }, SLOW);
        assert.ok(up.ok, up.detail);
        const other = await probe('udp', { host: L, port }, { payload: '00', requireReply: 'ffff' }, SLOW);
        assert.equal(other.ok, false);
        assert.equal(other.reason, 'body');
      } finally {
        echo.close();
      }
      // The port is closed now: the kernel answers with ICMP port unreachable.
      const closed = await probe('udp', { host: L, port }, {}, SLOW);
      assert.equal(closed.ok, false);
      assert.equal(closed.reason, 'refused');
    });
  });

  describe('every kind: down when the server is stopped, within the deadline against a blackhole and a hostile peer', () => {
    const kinds = [
      ['smtp', {}],
      ['imap', {}],
      ['pop', {}],
      ['ftp', {}],
      ['nntp', {}],
      ['dns', { transport: 'tcp' }],
    ] as const;
    it('a blackhole (packets dropped): each times out within its deadline', async () => {
      for (const [kind, spec] of kinds) {
        const r = await probe(kind, { host: blackhole.address, port: 25 }, spec, 300);
        assert.equal(r.ok, false, kind);
        assert.equal(r.reason, 'timeout', `${kind}: ${r.detail}`);
        assert.ok(r.durationMs < 300 + MARGIN, `${kind} took ${r.durationMs} ms`);
      }
      const udp = await probe('dns', { host: blackhole.address, port: 53 }, {}, 300);
      assert.equal(udp.reason, 'timeout');
      // A connect cut short by the deadline is closed, not left retrying its SYN for two minutes.
      const pending = execFileSync('ss', ['-Htn', 'state', 'syn-sent', 'dst', blackhole.address], { encoding: 'utf8' }).trim();
      assert.equal(pending, '', 'sockets still connecting to the blackhole');
    });
    it('a peer that greets right and then trickles bytes without a line end: down, bounded in bytes or time', async () => {
      for (const [kind, greet] of [
        ['smtp', '220 ok\r\n'],
        ['imap', '* OK ready\r\n'],
        ['pop', '+OK ready\r\n'],
        ['ftp', '220 ok\r\n'],
        ['nntp', ''],
      ] as const) {
        const peer = await hostile(greet);
        try {
          const r = await probe(kind, { host: L, port: peer.port }, kind === 'pop' || kind === 'imap' ? { user: 'u', pass: 'p' } : {}, 3000);
          assert.equal(r.ok, false, kind);
          assert.ok(r.durationMs < 3000 + MARGIN, `${kind} took ${r.durationMs} ms`);
        } finally {
          await peer.close();
        }
      }
    });
    it('garbage instead of a greeting is a protocol failure, not a pass', async () => {
      const peer = await hostile('HTTP/1.1 400 Bad Request\r\n\r\n');
      try {
        for (const kind of ['smtp', 'ftp'] as const) {
          const r = await probe(kind, { host: L, port: peer.port }, {}, 3000);
          assert.equal(r.ok, false, kind);
          assert.equal(r.reason, 'protocol', `${kind}: ${r.detail}`);
        }
      } finally {
        await peer.close();
      }
    });
    it('stopped servers: refused', async () => {
      await Promise.all([dovecot.stop(), ftp.stop(), dns.stop()]);
      for (const [kind, port] of [
        ['imap', dovecot.ports.imap],
        ['pop', dovecot.ports.pop],
        ['ftp', ftp.ports.ftp],
      ] as const) {
        const r = await probe(kind, { host: L, port: port! }, {}, SLOW);
        assert.equal(r.reason, 'refused', `${kind}: ${r.detail}`);
      }
      const d = await probe('dns', { host: L, port: dns.ports.dns! }, {}, SLOW);
      assert.equal(d.ok, false);
      assert.equal(d.reason, 'refused', d.detail);
    });
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
function writeCa(pem: string): string {
  const f = path.join(mkdtempSync(path.join(tmpdir(), 'rsguard-ca-')), 'ca.pem');
  writeFileSync(f, pem);
  return f;
}
