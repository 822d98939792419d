import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { createBlackhole, type Blackhole } from '../helpers/blackhole-netns.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';
import { startFreeradius, startSlapd, type Peer } from '../helpers/protocol-peers.js';

const L = '127.0.0.1';
const SLOW = 6000;
const MARGIN = 1500;
const sql = (cmd: string, args: string[], input: string) => {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
};

/**
 * A SIP responder written here: no SIP server package starts unprivileged on
 * this machine without a long config (kamailio needs its module tree). It
 * answers OPTIONS over UDP and TCP with `reply`, as a registrar would.
 */
async function sipResponder(reply: (req: string) => string[]): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const udp = dgram.createSocket('udp4');
  // Over UDP each response is its own datagram.
  udp.on('message', (m, from) => reply(m.toString()).forEach((r) => udp.send(r, from.port, from.address)));
  await new Promise<void>((r) => udp.bind(port, L, () => r()));
  const tcp = net.createServer((s) => {
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n\r\n')) s.write(reply(buf).join(''));
    });
  });
  await new Promise<void>((r) => tcp.listen(port, L, () => r()));
  return { port, close: async () => (udp.close(), await new Promise<void>((r) => tcp.close(() => r()))) };
}
const sipReply = (status: string) => (req: string) => {
  const headers = req.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
  const response = (line: string) => [line, ...headers, 'Content-Length: 0', '', ''].join('\r\n');
  return [response('SIP/2.0 100 Trying'), response(`SIP/2.0 ${status}`)];
};

describe('service probes against real servers: MariaDB, PostgreSQL, slapd, FreeRADIUS, nginx as a forward proxy; SIP against a responder', () => {
  let slapd: Peer;
  let radius: Peer & { secret: string };
  let blackhole: Blackhole;
  let nginx: ChildProcess;
  let nginxDir: string;
  let proxyPort: number;
  let upstream: Backend;
  before(async () => {
    [slapd, radius] = await Promise.all([startSlapd(), startFreeradius()]);
    blackhole = createBlackhole();
    sql('mariadb', ['-h', L, '-u', 'root'], "CREATE DATABASE IF NOT EXISTS rsguard_t; CREATE USER IF NOT EXISTS 'rsg'@'%' IDENTIFIED BY 'secret'; GRANT SELECT ON rsguard_t.* TO 'rsg'@'%'; CREATE TABLE IF NOT EXISTS rsguard_t.pool (host VARCHAR(64), enabled INT); DELETE FROM rsguard_t.pool; INSERT INTO rsguard_t.pool VALUES ('a', 1), ('b', 0);");
    sql('psql', ['-h', L, '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', 'test'], "DROP TABLE IF EXISTS rsguard_pool; CREATE TABLE rsguard_pool (host text, enabled int); INSERT INTO rsguard_pool VALUES ('a', 1), ('b', 0); DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rsg') THEN CREATE ROLE rsg LOGIN PASSWORD 'secret'; END IF; END $$; GRANT SELECT ON rsguard_pool TO rsg;");
    upstream = new Backend(await freePort(), 'through the proxy');
    await upstream.start();
    nginxDir = mkdtempSync(path.join(tmpdir(), 'rsguard-nginx-'));
    proxyPort = await freePort();
    writeFileSync(
      path.join(nginxDir, 'nginx.conf'),
      `daemon off;\npid ${nginxDir}/nginx.pid;\nerror_log ${nginxDir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${nginxDir};\n  proxy_temp_path ${nginxDir};\n  server {\n    listen 127.0.0.1:${proxyPort};\n    location / { proxy_pass http://$http_host$request_uri; }\n  }\n}\n`,
    );
    nginx = spawn('nginx', ['-c', path.join(nginxDir, 'nginx.conf'), '-p', nginxDir], { stdio: 'ignore' });
    await waitFor('nginx', () => new Promise<true | undefined>((r) => { const s = net.connect(proxyPort, L, () => (s.destroy(), r(true))); s.on('error', () => r(undefined)); }));
  });
  after(async () => {
    await Promise.all([slapd?.close(), radius?.close(), upstream?.kill()]);
    nginx?.kill('SIGTERM');
    blackhole?.close();
    if (nginxDir) rmSync(nginxDir, { recursive: true, force: true });
    spawnSync('mariadb', ['-h', L, '-u', 'root'], { input: "DROP DATABASE IF EXISTS rsguard_t; DROP USER IF EXISTS 'rsg'@'%';" });
    spawnSync('psql', ['-h', L, '-U', 'postgres', 'test'], { input: 'DROP TABLE IF EXISTS rsguard_pool;' });
  });

  for (const [kind, port, table] of [['mysql', 3306, 'rsguard_t.pool'], ['pgsql', 5432, 'rsguard_pool']] as const) {
    describe(kind, () => {
      const db = kind === 'mysql' ? { database: 'rsguard_t' } : { database: 'test' };
      it('up: logs in and the query returns rows (ldirectord: select … where enabled=1)', async () => {
        const r = await probe(kind, { host: L, port }, { user: 'rsg', password: 'secret', ...db, query: `SELECT * FROM ${table} WHERE enabled = 1` }, SLOW);
        assert.ok(r.ok, r.detail);
        assert.match(r.detail, /1 rows/);
      });
      it('down: no rows, a login the server refuses, an unknown table', async () => {
        const none = await probe(kind, { host: L, port }, { user: 'rsg', password: 'secret', ...db, query: `SELECT * FROM ${table} WHERE enabled = 2` }, SLOW);
        assert.equal(none.ok, false);
        assert.match(none.detail, /0 rows/);
        // PostgreSQL here trusts loopback logins (no password asked): an unknown role is what it refuses.
        const bad = await probe(kind, { host: L, port }, kind === 'mysql' ? { user: 'rsg', password: 'wrong', ...db } : { user: 'no_such_role', ...db }, SLOW);
        assert.equal(bad.ok, false);
        assert.equal(bad.reason, 'body', bad.detail);
        const gone = await probe(kind, { host: L, port }, { user: 'rsg', password: 'secret', ...db, query: 'SELECT * FROM no_such_table' }, SLOW);
        assert.equal(gone.reason, 'body', gone.detail);
      });
    });
  }

  describe('ldap (slapd)', () => {
    it('up: anonymous bind and the base entry read back, over ldap and ldaps', async () => {
      const r = await probe('ldap', { host: L, port: slapd.ports.ldap! }, { base: 'dc=rsguard,dc=test', expectDnRegex: 'rsguard' }, SLOW);
      assert.ok(r.ok, r.detail);
      const s = await probe('ldap', { host: L, port: slapd.ports.ldaps! }, { tls: true, tlsCa: slapd.caFile, bindDn: 'cn=admin,dc=rsguard,dc=test', password: 'secret', base: 'dc=rsguard,dc=test' }, SLOW);
      assert.ok(s.ok, s.detail);
    });
    it('down: bad credentials, an entry that is not there, a DN that does not match', async () => {
      const bad = await probe('ldap', { host: L, port: slapd.ports.ldap! }, { bindDn: 'cn=admin,dc=rsguard,dc=test', password: 'wrong' }, SLOW);
      assert.equal(bad.ok, false);
      assert.match(bad.detail, /bind refused/);
      const missing = await probe('ldap', { host: L, port: slapd.ports.ldap! }, { base: 'dc=nope,dc=test' }, SLOW);
      assert.equal(missing.ok, false);
      assert.equal(missing.reason, 'body', missing.detail);
      const mismatch = await probe('ldap', { host: L, port: slapd.ports.ldap! }, { base: 'dc=rsguard,dc=test', expectDnRegex: 'other' }, SLOW);
      assert.equal(mismatch.ok, false);
    });
  });

  describe('radius (FreeRADIUS)', () => {
    it('up on Access-Accept, and on Access-Reject as ldirectord counts it; expectAccept makes a reject down', async () => {
      const accept = await probe('radius', { host: L, port: radius.ports.radius! }, { secret: radius.secret, user: 'bob', password: 'secret', expectAccept: true }, SLOW);
      assert.ok(accept.ok, accept.detail);
      assert.equal(accept.detail, 'Access-Accept');
      const reject = await probe('radius', { host: L, port: radius.ports.radius! }, { secret: radius.secret, user: 'bob', password: 'wrong' }, SLOW);
      assert.ok(reject.ok, reject.detail);
      assert.equal(reject.detail, 'Access-Reject');
      const strict = await probe('radius', { host: L, port: radius.ports.radius! }, { secret: radius.secret, user: 'bob', password: 'wrong', expectAccept: true }, SLOW);
      assert.equal(strict.ok, false);
    });
    it('down: a wrong secret (FreeRADIUS drops the request) times out within the deadline', async () => {
      const r = await probe('radius', { host: L, port: radius.ports.radius! }, { secret: 'not-the-secret', user: 'bob', password: 'secret' }, 800);
      assert.equal(r.ok, false);
      assert.equal(r.reason, 'timeout');
      assert.ok(r.durationMs < 800 + MARGIN);
    });
  });

  describe('sip (a responder)', () => {
    it('up on 200 OK over UDP and TCP (a 100 Trying first is skipped); down on 404 and on what is not SIP', async () => {
      const ok = await sipResponder(sipReply('200 OK'));
      const nf = await sipResponder(sipReply('404 Not Found'));
      const junk = await sipResponder(() => ['HTTP/1.1 400 Bad Request\r\n\r\n']);
      try {
        for (const transport of ['udp', 'tcp'] as const) {
          const r = await probe('sip', { host: L, port: ok.port }, { transport }, SLOW);
          assert.ok(r.ok, `${transport}: ${r.detail}`);
          const n = await probe('sip', { host: L, port: nf.port }, { transport }, SLOW);
          assert.equal(n.reason, 'status', `${transport}: ${n.detail}`);
          const j = await probe('sip', { host: L, port: junk.port }, { transport }, SLOW);
          assert.equal(j.reason, 'protocol', `${transport}: ${j.detail}`);
        }
      } finally {
        await Promise.all([ok.close(), nf.close(), junk.close()]);
      }
    });
  });

  describe('http_proxy (nginx as a forward proxy)', () => {
    it('up when the URL comes back 2xx through the proxy and matches; down when the far end is gone (502)', async () => {
      const url = `http://127.0.0.1:${upstream.port}/health`;
      const r = await probe('http_proxy', { host: L, port: proxyPort }, { url, expectBodyRegex: 'through the proxy' }, SLOW);
      assert.ok(r.ok, r.detail);
      await upstream.kill();
      const d = await probe('http_proxy', { host: L, port: proxyPort }, { url }, SLOW);
      assert.equal(d.ok, false);
      assert.equal(d.reason, 'status', d.detail);
    });
  });

  it('a hostile peer that accepts and then trickles garbage: every TCP kind is down within its deadline', async () => {
    const port = await freePort();
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      const t = setInterval(() => s.write(Buffer.from([0x4a, 0x00, 0xff, 0x0a, 0x0d])), 20);
      s.once('close', () => (clearInterval(t), sockets.delete(s)));
    });
    await new Promise<void>((r) => server.listen(port, L, () => r()));
    try {
      for (const [kind, spec] of [
        ['mysql', { user: 'u' }],
        ['pgsql', { user: 'u' }],
        ['ldap', {}],
        ['sip', { transport: 'tcp' }],
        ['http_proxy', { url: 'http://example.invalid/' }],
      ] as const) {
        const r = await probe(kind, { host: L, port }, spec, 1500);
        assert.equal(r.ok, false, `${kind}: ${r.detail}`);
        assert.ok(r.durationMs < 1500 + MARGIN, `${kind} took ${r.durationMs} ms`);
      }
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('every kind: down within its deadline against a blackhole; refused when nothing listens', async () => {
    const closed = await freePort();
    for (const [kind, spec] of [
      ['mysql', { user: 'u' }],
      ['pgsql', { user: 'u' }],
      ['ldap', {}],
      ['radius', { secret: 's' }],
      ['sip', { transport: 'tcp' }],
      ['http_proxy', { url: 'http://example.invalid/' }],
    ] as const) {
      const b = await probe(kind, { host: blackhole.address, port: 9 }, spec, 400);
      assert.equal(b.ok, false, kind);
      assert.equal(b.reason, 'timeout', `${kind}: ${b.detail}`);
      assert.ok(b.durationMs < 400 + MARGIN, `${kind} took ${b.durationMs} ms`);
      if (kind === 'radius') continue; // UDP: nothing listening looks like silence until the ICMP error, checked below.
      const c = await probe(kind, { host: L, port: closed }, spec, SLOW);
      assert.equal(c.reason, 'refused', `${kind}: ${c.detail}`);
    }
    const udp = await probe('radius', { host: L, port: closed }, { secret: 's' }, SLOW);
    assert.equal(udp.reason, 'refused', udp.detail);
  });
});
