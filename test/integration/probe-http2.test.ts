import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';
import { selfSignedCert } from '../helpers/tls-cert.js';

const L = '127.0.0.1';
const SLOW = 3000;

/**
 * `version: 2` on http and https checks against nginx: h2 over TLS (ALPN),
 * h2c with prior knowledge, and servers of the same nginx that speak only
 * HTTP/1.1, which an HTTP/2 check must find down.
 */
describe('http/https checks with version 2 (nginx http2)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-h2-'));
  let nginx: ChildProcess;
  const ports = { h2: 0, h2c: 0, h1tls: 0, h1: 0 };
  before(async () => {
    const cert = selfSignedCert([L, 'h2.test']);
    writeFileSync(path.join(dir, 'cert.pem'), cert.cert);
    writeFileSync(path.join(dir, 'key.pem'), cert.key);
    for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();
    const tls = `ssl_certificate ${dir}/cert.pem;\n    ssl_certificate_key ${dir}/key.pem;`;
    const routes = 'location = /ok { return 200 "proto=$server_protocol host=$host"; }\n    location = /fail { return 503 "down for maintenance"; }';
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${dir};\n` +
        `  server {\n    listen ${L}:${ports.h2} ssl http2;\n    ${tls}\n    ${routes}\n  }\n` +
        `  server {\n    listen ${L}:${ports.h2c} http2;\n    ${routes}\n  }\n` +
        `  server {\n    listen ${L}:${ports.h1tls} ssl;\n    ${tls}\n    ${routes}\n  }\n` +
        `  server {\n    listen ${L}:${ports.h1};\n    ${routes}\n  }\n}\n`,
    );
    nginx = spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    await waitFor('nginx', () => new Promise<true | undefined>((r) => { const s = net.connect(ports.h1, L, () => (s.destroy(), r(true))); s.on('error', () => r(undefined)); }));
  });
  after(() => {
    nginx?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('https version 2: up over h2 (the server says HTTP/2.0), the virtual host as :authority; a 503 is down (status)', async () => {
    const r = await probe('https', { host: L, port: ports.h2 }, { version: 2, path: '/ok', tlsVerify: false, virtualHost: 'h2.test', expectBodyRegex: 'proto=HTTP/2.0 host=h2.test' }, SLOW);
    assert.ok(r.ok, r.detail);
    const d = await probe('https', { host: L, port: ports.h2 }, { version: 2, path: '/fail', tlsVerify: false }, SLOW);
    assert.equal(d.ok, false);
    assert.equal(d.reason, 'status', d.detail);
  });

  it('http version 2: h2c with prior knowledge is up', async () => {
    const r = await probe('http', { host: L, port: ports.h2c }, { version: 2, path: '/ok', expectBody: 'proto=HTTP/2.0' }, SLOW);
    assert.ok(r.ok, r.detail);
  });

  it('a server that speaks only HTTP/1.1 is down for an HTTP/2 check (TLS and plain) and up for an HTTP/1.1 one', async () => {
    const tlsH1 = await probe('https', { host: L, port: ports.h1tls }, { version: 2, path: '/ok', tlsVerify: false }, SLOW);
    assert.equal(tlsH1.ok, false, tlsH1.detail);
    assert.equal(tlsH1.error, undefined, `the server's fault, not a check error: ${tlsH1.detail}`);
    const plainH1 = await probe('http', { host: L, port: ports.h1 }, { version: 2, path: '/ok' }, SLOW);
    assert.equal(plainH1.ok, false, plainH1.detail);
    assert.equal(plainH1.error, undefined, plainH1.detail);
    assert.ok((await probe('http', { host: L, port: ports.h1 }, { path: '/ok', expectBody: 'proto=HTTP/1.1' }, SLOW)).ok);
  });

  it('followRedirects with version 2 is refused at load, naming the field', () => {
    assert.throws(
      () => loadYamlText('t.yaml', `virtualServices:\n  - address: 10.0.0.1:80\n    checks: [{ kind: http, version: 2, followRedirects: true }]\n    realServers: [{ address: 127.0.0.1:80 }]\n`),
      /followRedirects is for HTTP\/1.1 checks/,
    );
  });
});
