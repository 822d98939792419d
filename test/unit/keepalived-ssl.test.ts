import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importKeepalived } from '../../src/config/import/keepalived.js';

const vs = (checker: string) => `virtual_server 10.0.0.1 443 {\n  protocol TCP\n  real_server 10.0.1.1 443 {\n    ${checker} {\n      url {\n        path /\n      }\n    }\n  }\n}\n`;

async function imported(text: string) {
  const r = await importKeepalived('/etc/keepalived/keepalived.conf', undefined, text);
  const vss = r.input.virtualServices as Array<{ realServers: Array<{ checks: Array<Record<string, unknown>> }> }>;
  return { check: vss[0]?.realServers[0]?.checks[0], r };
}

/** keepalived 2.2.7 check_parser.c (ssl_handler, handle_ssl_file) and check_ssl.c build_ssl_ctx. */
describe('keepalived SSL block', () => {
  it('certificate, key and password reach the SSL_GET check, wherever the block stands; the ca verifies nothing, as in keepalived', async () => {
    const { check, r } = await imported(`${vs('SSL_GET')}SSL {\n  password pw\n  ca /etc/ssl/ca.pem\n  certificate /etc/ssl/client.pem\n  key /etc/ssl/client.key\n}\n`);
    assert.deepEqual(r.errors, []);
    assert.equal(check?.kind, 'https');
    assert.equal(check?.tlsCert, '/etc/ssl/client.pem');
    assert.equal(check?.tlsKey, '/etc/ssl/client.key');
    assert.equal(check?.tlsPassphrase, 'pw');
    assert.equal(check?.tlsVerify, false);
    assert.equal(check?.tlsCa, undefined);
    assert.ok(r.warnings.some((w) => /:13: SSL ca is loaded by keepalived but never used/.test(w)), r.warnings.join('\n'));
  });

  it('HTTP_GET checks take nothing from it', async () => {
    const { check } = await imported(`SSL {\n  certificate /etc/ssl/client.pem\n}\n${vs('HTTP_GET')}`);
    assert.equal(check?.kind, 'http');
    assert.equal(check?.tlsCert, undefined);
  });

  it('a second block replaces the first, a repeated keyword replaces its value, a missing value is logged and skipped: all tolerated with their lines', async () => {
    const { check, r } = await imported(`SSL {\n  certificate /a.pem\n}\nSSL {\n  certificate /b.pem\n  certificate /c.pem\n  key\n}\n${vs('SSL_GET')}`);
    assert.equal(check?.tlsCert, '/c.pem');
    assert.equal(check?.tlsKey, undefined);
    assert.deepEqual((r.tolerated ?? []).filter((t) => t.message.startsWith("SSL")).map((t) => [t.line, t.message]), [
      [4, 'SSL context already specified - replacing'],
      [6, 'SSL certfile already specified - replacing'],
      [7, 'SSL keyfile missing'],
    ]);
  });

  it('a relative path is opened from / (keepalived daemonizes with chdir("/")); a key alone sends no certificate', async () => {
    const rel = await imported(`SSL {\n  certificate certs/client.pem\n}\n${vs('SSL_GET')}`);
    assert.equal(rel.check?.tlsCert, '/certs/client.pem');
    const keyOnly = await imported(`SSL {\n  key /k.pem\n}\n${vs('SSL_GET')}`);
    assert.equal(keyOnly.check?.tlsCert, undefined);
    assert.ok(keyOnly.r.warnings.some((w) => /SSL key without certificate/.test(w)));
  });
});
