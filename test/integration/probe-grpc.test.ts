import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { freePort } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';
import { selfSignedCert } from '../helpers/tls-cert.js';

const L = '127.0.0.1';
const SLOW = 3000;

async function grpcServer(creds: grpc.ServerCredentials, statuses: Record<string, 'SERVING' | 'NOT_SERVING' | 'UNKNOWN'>) {
  const server = new grpc.Server();
  const health = new HealthImplementation(statuses);
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${L}:0`, creds, (err, p) => (err ? reject(err) : resolve(p))));
  return { server, health, port };
}

/**
 * The grpc probe against @grpc/grpc-js with the gRPC project's own health
 * service (grpc-health-check), plain (h2c) and over TLS, and against HTTP/2
 * servers that answer wrongly.
 */
describe('grpc probe: grpc.health.v1.Health/Check against @grpc/grpc-js', () => {
  let plain: Awaited<ReturnType<typeof grpcServer>>;
  let secure: Awaited<ReturnType<typeof grpcServer>>;
  const cert = selfSignedCert([L]);
  before(async () => {
    plain = await grpcServer(grpc.ServerCredentials.createInsecure(), { '': 'SERVING', 'shop.Cart': 'SERVING', 'shop.Pay': 'NOT_SERVING' });
    secure = await grpcServer(grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(cert.key), cert_chain: Buffer.from(cert.cert) }]), { '': 'SERVING' });
  });
  after(() => {
    plain?.server.forceShutdown();
    secure?.server.forceShutdown();
  });

  it('the server as a whole and a named service: SERVING is up', async () => {
    const whole = await probe('grpc', { host: L, port: plain.port }, {}, SLOW);
    assert.ok(whole.ok, whole.detail);
    assert.match(whole.detail, /server SERVING/);
    const cart = await probe('grpc', { host: L, port: plain.port }, { service: 'shop.Cart' }, SLOW);
    assert.ok(cart.ok, cart.detail);
  });

  it('NOT_SERVING is down with the status in the detail, and follows the server: SERVING again is up', async () => {
    const d = await probe('grpc', { host: L, port: plain.port }, { service: 'shop.Pay' }, SLOW);
    assert.equal(d.ok, false);
    assert.equal(d.reason, 'status');
    assert.match(d.detail, /NOT_SERVING/);
    plain.health.setStatus('shop.Pay', 'SERVING');
    assert.ok((await probe('grpc', { host: L, port: plain.port }, { service: 'shop.Pay' }, SLOW)).ok);
    plain.health.setStatus('shop.Pay', 'NOT_SERVING');
  });

  it('an unknown service is down (grpc-status NOT_FOUND), named in the detail', async () => {
    const d = await probe('grpc', { host: L, port: plain.port }, { service: 'no.Such' }, SLOW);
    assert.equal(d.ok, false);
    assert.equal(d.reason, 'status');
    assert.match(d.detail, /grpc-status 5 NOT_FOUND/);
  });

  it('over TLS: verified with the CA it passes, unverifiable it is down (tls), and plain h2c to a TLS port is down', async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-grpc-'));
    try {
      writeFileSync(path.join(dir, 'ca.pem'), cert.cert);
      const ok = await probe('grpc', { host: L, port: secure.port }, { tls: true, tlsCa: path.join(dir, 'ca.pem') }, SLOW);
      assert.ok(ok.ok, ok.detail);
      const bad = await probe('grpc', { host: L, port: secure.port }, { tls: true }, SLOW);
      assert.equal(bad.ok, false);
      assert.equal(bad.reason, 'tls', bad.detail);
      const h2c = await probe('grpc', { host: L, port: secure.port }, {}, SLOW);
      assert.equal(h2c.ok, false);
      assert.equal(h2c.error, undefined, 'the server is wrong, not rsguard');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a stopped server is down (refused)', async () => {
    const port = await freePort();
    const d = await probe('grpc', { host: L, port }, {}, SLOW);
    assert.equal(d.reason, 'refused');
  });

  describe('HTTP/2 servers that answer wrongly', () => {
    let h2: http2.Http2Server;
    let port: number;
    before(async () => {
      h2 = http2.createServer();
      h2.on('stream', (stream, headers) => {
        const mode = headers[':authority'];
        if (mode === 'html') {
          stream.respond({ ':status': 200, 'content-type': 'text/html' });
          stream.end('<html>');
        } else if (mode === '503') {
          stream.respond({ ':status': 503 });
          stream.end();
        } else if (mode === 'garbage') {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          stream.end(Buffer.from([0, 0, 0, 0, 9, 1, 2]));
        } else if (mode === 'flood') {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
          stream.end(Buffer.alloc(64 * 1024));
        } else if (mode === 'silent') {
          // Headers and then nothing: the deadline ends it.
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
        }
      });
      port = await freePort();
      await new Promise<void>((r) => h2.listen(port, L, () => r()));
    });
    after(() => h2?.close());

    for (const [mode, reason, detail] of [
      ['html', 'protocol', /content-type text\/html/],
      ['503', 'status', /HTTP\/2 status 503/],
      ['garbage', 'protocol', /message length 9 but 2 bytes follow/],
      ['flood', 'protocol', /over 16384 bytes/],
      ['silent', 'timeout', /timed out/],
    ] as const) {
      it(`${mode}: down (${reason})`, async () => {
        const r = await probe('grpc', { host: L, port }, { authority: mode }, 500);
        assert.equal(r.ok, false);
        assert.equal(r.reason, reason, r.detail);
        assert.match(r.detail, detail);
      });
    }
  });
});
