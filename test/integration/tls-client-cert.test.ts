import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importKeepalived } from '../../src/config/import/keepalived.js';
import { loadYamlText } from '../../src/config/load.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';

const L = '127.0.0.1';
const SLOW = 3000;

/**
 * Client certificates against nginx with `ssl_verify_client on` (a real peer
 * that demands one): a certificate from the CA nginx trusts passes, none or
 * one from another CA fails, an encrypted key opens with its passphrase, and
 * keepalived's root SSL block reaches every SSL_GET check as keepalived
 * sends it.
 */
describe('client certificates on TLS checks (nginx ssl_verify_client on)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-mtls-'));
  const f = (name: string) => path.join(dir, name);
  let nginx: ChildProcess;
  let port: number;
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });

  before(async () => {
    // The CA nginx trusts, the server's certificate, a client certificate from that CA (plain and encrypted key), and one from another CA.
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=rsguard test CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${L}`, '-addext', `subjectAltName=IP:${L}`, '-keyout', f('server.key'), '-out', f('server.pem'));
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=director', '-keyout', f('client.key'), '-out', f('client.csr'));
    openssl('x509', '-req', '-in', f('client.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-out', f('client.pem'));
    openssl('rsa', '-aes256', '-in', f('client.key'), '-passout', 'pass:s3cret phrase', '-out', f('client-enc.key'));
    writeFileSync(f('passphrase'), 's3cret phrase\n', { mode: 0o600 });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=stranger', '-keyout', f('other.key'), '-out', f('other.pem'));
    port = await freePort();
    writeFileSync(
      f('nginx.conf'),
      `daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${dir};\n  server {\n    listen ${L}:${port} ssl;\n    ssl_certificate ${f('server.pem')};\n    ssl_certificate_key ${f('server.key')};\n    ssl_client_certificate ${f('ca.pem')};\n    ssl_verify_client on;\n    location / { return 200 "hello $ssl_client_s_dn"; }\n  }\n}\n`,
    );
    nginx = spawn('nginx', ['-c', f('nginx.conf'), '-p', dir], { stdio: 'ignore' });
    await waitFor('nginx', () => new Promise<true | undefined>((r) => { const s = net.connect(port, L, () => (s.destroy(), r(true))); s.on('error', () => r(undefined)); }));
  });
  after(() => {
    nginx?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  const target = () => ({ host: L, port });
  const https = { tlsVerify: false, expectBodyRegex: 'CN=director' };

  it('no client certificate: nginx answers 400 and the check is down (reason status)', async () => {
    const r = await probe('https', target(), https, SLOW);
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'status', r.detail);
  });

  it('the CA-issued certificate passes; one from another CA is down', async () => {
    const ok = await probe('https', target(), { ...https, tlsCert: f('client.pem'), tlsKey: f('client.key') }, SLOW);
    assert.ok(ok.ok, ok.detail);
    const other = await probe('https', target(), { ...https, tlsCert: f('other.pem'), tlsKey: f('other.key') }, SLOW);
    assert.equal(other.ok, false);
    assert.equal(other.reason, 'status', other.detail);
  });

  it('an encrypted key opens with tlsPassphrase or tlsPassphraseFile; a wrong passphrase is a check error, not a down server', async () => {
    const cert = { ...https, tlsCert: f('client.pem'), tlsKey: f('client-enc.key') };
    assert.ok((await probe('https', target(), { ...cert, tlsPassphrase: 's3cret phrase' }, SLOW)).ok);
    assert.ok((await probe('https', target(), { ...cert, tlsPassphraseFile: f('passphrase') }, SLOW)).ok);
    const wrong = await probe('https', target(), { ...cert, tlsPassphrase: 'wrong' }, SLOW);
    assert.equal(wrong.ok, false);
    assert.equal(wrong.error, 'exception', `${wrong.reason}: ${wrong.detail}`);
  });

  it('the same certificate through a tcp check whose connect step speaks TLS (HAProxy tcp-check connect ssl + crt)', async () => {
    const steps = [{ step: 'connect', tls: true }, { step: 'send', data: 'GET / HTTP/1.0\r\n\r\n' }, { step: 'expect', string: 'CN=director' }];
    assert.equal((await probe('tcp', target(), { steps, tlsVerify: false }, SLOW)).ok, false);
    const r = await probe('tcp', target(), { steps, tlsVerify: false, tlsCert: f('client.pem'), tlsKey: f('client.key') }, SLOW);
    assert.ok(r.ok, r.detail);
  });

  it('smtp over TLS (and every mail, news and directory probe) sends the certificate too: a server that demands one greets only with it', async () => {
    const { readFileSync } = await import('node:fs');
    const tls = await import('node:tls');
    const server = tls.createServer({ key: readFileSync(f('server.key')), cert: readFileSync(f('server.pem')), ca: readFileSync(f('ca.pem')), requestCert: true, rejectUnauthorized: true }, (sock) => {
      sock.on('error', () => {});
      sock.write('220 mail.test ESMTP\r\n');
      sock.on('data', (d) => sock.write(/^QUIT/i.test(d.toString()) ? '221 bye\r\n' : '250 mail.test\r\n'));
    });
    server.on('tlsClientError', () => {});
    const smtpPort = await new Promise<number>((r) => server.listen(0, L, () => r((server.address() as net.AddressInfo).port)));
    try {
      const bare = await probe('smtp', { host: L, port: smtpPort }, { tls: true, tlsVerify: false }, SLOW);
      assert.equal(bare.ok, false, bare.detail);
      assert.equal(bare.error, undefined, bare.detail);
      const ok = await probe('smtp', { host: L, port: smtpPort }, { tls: true, tlsVerify: false, tlsCert: f('client.pem'), tlsKey: f('client-enc.key'), tlsPassphraseFile: f('passphrase') }, SLOW);
      assert.ok(ok.ok, ok.detail);
      const wrong = await probe('smtp', { host: L, port: smtpPort }, { tls: true, tlsVerify: false, tlsCert: f('client.pem'), tlsKey: f('client-enc.key'), tlsPassphrase: 'nope' }, SLOW);
      assert.equal(wrong.error, 'exception', wrong.detail);
    } finally {
      server.close();
    }
  });

  it("keepalived's SSL block: every SSL_GET check sends its certificate, as keepalived does; without the block the same check is down", async () => {
    const conf = (ssl: string) => `${ssl}\nvirtual_server 10.0.0.1 443 {\n  delay_loop 5\n  protocol TCP\n  real_server ${L} ${port} {\n    SSL_GET {\n      url {\n        path /\n        status_code 200\n      }\n    }\n  }\n}\n`;
    const block = `SSL {\n  password "s3cret phrase"\n  ca ${f('ca.pem')}\n  certificate ${f('client.pem')}\n  key ${f('client-enc.key')}\n}`;
    const specOf = async (text: string) => {
      const file = f(`k${Math.random().toString(36).slice(2)}.conf`);
      writeFileSync(file, text);
      const r = await importKeepalived(file, undefined, text);
      assert.deepEqual(r.errors, []);
      const m = loadYamlText('t.yaml', JSON.stringify(r.input));
      const check = m.checks.get(m.virtualServices[0]!.realServers[0]!.checkIds[0]!)!;
      return { spec: check.spec, warnings: r.warnings };
    };
    const withBlock = await specOf(conf(block));
    assert.equal(withBlock.spec.tlsCert, f('client.pem'));
    assert.equal(withBlock.spec.tlsVerify, false);
    assert.ok(withBlock.warnings.some((w) => /SSL ca is loaded by keepalived but never used/.test(w)), withBlock.warnings.join('\n'));
    const up = await probe('https', target(), withBlock.spec, SLOW);
    assert.ok(up.ok, up.detail);
    const down = await probe('https', target(), (await specOf(conf(''))).spec, SLOW);
    assert.equal(down.ok, false);
    assert.equal(down.reason, 'status', down.detail);
  });
});
