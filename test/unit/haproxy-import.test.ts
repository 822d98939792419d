import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importHaproxy } from '../../src/config/import/haproxy.js';
import { haproxyWords } from '../../src/config/import/haproxy-parser.js';

const check = (backend: string) => {
  const r = importHaproxy('h.cfg', `global\n  stats socket /run/h.sock level admin\nbackend b\n${backend}\n  server s1 10.0.0.2:80 check\n`);
  const rs = ((r.input.virtualServices as Array<Record<string, unknown>>)[0]?.realServers as Array<Record<string, unknown>>)?.[0];
  return { check: (rs?.checks as Array<Record<string, unknown>>)?.[0], r };
};

describe('haproxy.cfg check options as rsguard checks', () => {
  it('splits words as HAProxy does: escapes, quotes, comments', () => {
    assert.deepEqual(haproxyWords('option httpchk GET /h HTTP/1.1\\r\\nHost:\\ www  # note'), ['option', 'httpchk', 'GET', '/h', 'HTTP/1.1\r\nHost: www']);
    assert.deepEqual(haproxyWords(`http-check expect string "all ok"`), ['http-check', 'expect', 'string', 'all ok']);
  });
  it('plain check is a TCP connect; option httpchk counts 2xx and 3xx as up', () => {
    assert.equal(check('').check!.kind, 'tcp');
    const h = check('  option httpchk').check!;
    assert.deepEqual([h.kind, h.method, h.path, h.expectStatus], ['http', 'OPTIONS', '/', ['200-399']]);
  });
  it('HAProxy 2 http-check send and expect', () => {
    const h = check('  option httpchk\n  http-check send meth HEAD uri /ready hdr Host api.example\n  http-check expect ! string maintenance').check!;
    // An explicit expect rule replaces the implicit 2xx/3xx one (check_proxy_tcpcheck): any status, unless the body has the word.
    assert.deepEqual([h.method, h.path, h.virtualHost, h.expectStatus, h.expectRules], ['HEAD', '/ready', 'api.example', ['000-999'], [{ body: 'maintenance', not: true }]]);
  });
  it('tcp-check send/expect, smtpchk, redis-check', () => {
    assert.deepEqual(check('  option tcp-check\n  tcp-check send PING\\r\\n\n  tcp-check expect string +PONG').check, { kind: 'tcp', send: 'PING\r\n', expect: '+PONG', interval: '2000ms', retryInterval: '2000ms', timeout: '2000ms', rise: 2, fall: 3 });
    assert.equal((check('  option smtpchk HELO lb.example').check!.steps as Array<Record<string, unknown>>)[3]!.data, 'HELO lb.example\r\n');
    assert.equal(check('  option redis-check').check!.expect, '+PONG');
  });
  it('what rsguard cannot check the same way is marked unsupported, and the import still goes through', () => {
    const { check: c, r } = check('  option tcp-check\n  tcp-check send a\n  tcp-check expect error-status L7OKC string b\n  tcp-check send c');
    assert.ok(typeof c!.unsupported === 'string');
    assert.ok(r.errors.length === 1 && r.errors[0]!.unsupported);
    assert.equal(r.errors[0]!.line, 6);
  });
  it('a server name that does not resolve is refused with the line, as HAProxy refuses to start (init-addr last,libc)', () => {
    const r = importHaproxy('h.cfg', 'backend b\n  server s1 web1.example:80 check\n');
    assert.match(r.errors[0]!.message, /could not resolve address 'web1.example'/);
    assert.equal(r.errors[0]!.line, 2);
  });
});
