import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import { freePort } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';
import { selfSignedCert } from '../helpers/tls-cert.js';

/** A backend whose certificate comes from a private CA (here the certificate is its own CA). */
describe('tlsCa: a private CA for HTTPS backends, per check or global', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ca-'));
  const ca = path.join(dir, 'ca.pem');
  let server: https.Server;
  let port: number;
  before(async () => {
    const cert = selfSignedCert(['127.0.0.1']);
    writeFileSync(ca, cert.cert);
    port = await freePort();
    server = https.createServer({ key: cert.key, cert: cert.cert }, (_q, r) => r.end('secure ok'));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('without the CA the certificate is refused (reason tls); with tlsCa it is verified and passes, redirects-following path too', async () => {
    const bare = await probe('https', { host: '127.0.0.1', port }, {});
    assert.equal(bare.reason, 'tls', bare.detail);
    assert.ok((await probe('https', { host: '127.0.0.1', port }, { tlsCa: ca })).ok);
    assert.ok((await probe('https', { host: '127.0.0.1', port }, { tlsCa: ca, followRedirects: true })).ok);
  });

  it('global.tlsCa is the default of every TLS check that names none', () => {
    const m = loadYamlText('t.yaml', `global: { tlsCa: ${ca} }\nvirtualServices:\n  - address: 10.0.0.1:443\n    checks: [{ kind: https }, { kind: smtp, starttls: true }, { kind: tcp }, { kind: https, tlsCa: /etc/other.pem }]\n    realServers: [{ address: 127.0.0.1:${port} }]\n`);
    const specs = m.virtualServices[0]!.realServers[0]!.checkIds.map((id) => m.checks.get(id)!.spec.tlsCa);
    assert.deepEqual(specs, [ca, ca, undefined, '/etc/other.pem']);
  });

  it('a tcp check takes global.tlsCa only when a step connects over TLS', () => {
    const m = loadYamlText('t.yaml', `global: { tlsCa: ${ca} }\nvirtualServices:\n  - address: 10.0.0.1:443\n    checks: [{ kind: tcp, steps: [{ step: connect, tls: true }] }, { kind: tcp, steps: [{ step: connect }] }]\n    realServers: [{ address: 127.0.0.1:${port} }]\n`);
    const specs = m.virtualServices[0]!.realServers[0]!.checkIds.map((id) => m.checks.get(id)!.spec.tlsCa);
    assert.deepEqual(specs, [ca, undefined]);
  });

  it('a CA file that cannot be read is a check error (the state holds), not a down server', async () => {
    const r = await probe('https', { host: '127.0.0.1', port }, { tlsCa: path.join(dir, 'missing.pem') });
    assert.equal(r.ok, false);
    assert.equal(r.error, 'exception', r.detail);
    assert.match(r.detail, /cannot read CA file/);
  });
});
