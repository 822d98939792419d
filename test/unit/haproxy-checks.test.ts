import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importHaproxy } from '../../src/config/import/haproxy.js';
import { checkSchema } from '../../src/config/schema.js';

type Obj = Record<string, unknown>;

/** One backend `b` with these lines and the given server lines; its servers' checks and the import result. */
function imp(body: string, global = '') {
  const r = importHaproxy('h.cfg', `global\n  stats socket /run/h.sock level admin\n${global}backend b\n${body}\n`);
  const servers = ((r.input.virtualServices as Obj[] | undefined)?.[0]?.realServers as Obj[] | undefined) ?? [];
  return { r, checks: servers.map((s) => s.checks as Obj[]) };
}

const first = (body: string, global = '') => imp(body, global).checks[0]![0]!;
/** The fields of a check that say what it does (the timing fields are tested elsewhere). */
function what(c: Obj): Obj {
  const { interval, retryInterval, timeout, rise, fall, ...rest } = c;
  void [interval, retryInterval, timeout, rise, fall];
  return rest;
}
const valid = (c: Obj) => assert.doesNotThrow(() => checkSchema.parse(c), JSON.stringify(c));

describe('haproxy.cfg server options that change the check', () => {
  it("kubeadm's API-server load balancer (http-check connect ssl, verify none) is an https check on the server's port", () => {
    // kubernetes/kubeadm docs/ha-considerations.md, "haproxy configuration".
    const c = first('  option httpchk\n  http-check connect ssl\n  http-check send meth GET uri /healthz\n  http-check expect status 200\n  mode tcp\n  server k8s1 192.168.0.11:6443 check verify none');
    // HAProxy's request: "GET /healthz HTTP/1.0" and no Host (tcpcheck.c: HTTP/1.0 unless `ver` says otherwise; no Host unless written).
    assert.deepEqual(what(c), { kind: 'https', method: 'GET', path: '/healthz', expectStatus: [200], tlsServerName: false, tlsVerify: false, version: 1, virtualHost: false });
    valid(c);
  });

  it('verify required ca-file gives an https check that verifies against that CA only, without a name when no SNI is sent', () => {
    // configuration.txt 5.2 "verify": names are checked against the SNI, else verifyhost; "When no name is found, the certificate's names are ignored".
    const c = first('  option httpchk GET /health\n  server s1 10.0.0.2:443 ssl verify required ca-file /etc/haproxy/ca.pem check');
    assert.deepEqual(what(c), { kind: 'https', method: 'GET', path: '/health', expectStatus: ['200-399'], tlsServerName: false, tlsCa: '/etc/haproxy/ca.pem', tlsVerifyHost: false, version: 1, virtualHost: false });
    valid(c);
    const named = first('  option httpchk GET /health\n  server s1 10.0.0.2:443 ssl verify required ca-file /etc/haproxy/ca.pem verifyhost api.example check');
    assert.equal(named.tlsVerifyHost, 'api.example');
    const sni = first('  option httpchk GET /health\n  server s1 10.0.0.2:443 ssl ca-file ca.pem check-sni api.example crt client.pem crl-file crl.pem check', '  ca-base /etc/ssl/private\n  crt-base /etc/ssl/certs\n');
    assert.deepEqual([sni.tlsServerName, sni.tlsVerifyHost, sni.tlsCa, sni.tlsCert, sni.tlsCrl], ['api.example', undefined, '/etc/ssl/private/ca.pem', '/etc/ssl/certs/client.pem', '/etc/ssl/private/crl.pem']);
  });

  it('verify is required by default: ssl without ca-file is refused as HAProxy refuses it, unless ssl-server-verify none', () => {
    // ssl_sock_prepare_srv_ctx: "verify is enabled by default but no CA file specified".
    const { r } = imp('  server s1 10.0.0.2:443 ssl check');
    assert.equal(r.errors[0]?.path, 'verify');
    assert.equal(r.errors[0]?.line, 4);
    const c = first('  server s1 10.0.0.2:443 ssl check', '  ssl-server-verify none\n');
    assert.deepEqual(what(c), { kind: 'tcp', steps: [{ step: 'connect', tls: true, tlsServerName: false }], maxBytes: 16384, tlsServerName: false, tlsVerify: false });
    valid(c);
  });

  it('check-ssl with check-sni makes the connect check a TLS handshake with that SNI (reg-tests/checks/tcp-check-ssl.vtc be1, be2, be5)', () => {
    const be1 = first('  server srv 10.0.0.2:443 check check-ssl check-sni check.haproxy.org inter 1s rise 1 fall 1 verify none');
    assert.deepEqual(be1.steps, [{ step: 'connect', tls: true, tlsServerName: 'check.haproxy.org' }]);
    const be2 = first('  option tcp-check\n  tcp-check connect ssl sni connect.haproxy.org\n  server srv 10.0.0.2:443 check inter 1s rise 1 fall 1 verify none');
    assert.deepEqual(be2.steps, [{ step: 'connect', tls: true, tlsServerName: 'connect.haproxy.org' }]);
    const be5 = first('  option tcp-check\n  tcp-check connect default\n  server srv 10.0.0.2:443 check check-ssl check-sni check.haproxy.org inter 1s rise 1 fall 1 verify none');
    assert.deepEqual(be5.steps, be1.steps);
    for (const c of [be1, be2, be5]) valid(c);
  });

  it('with port or addr the check does not inherit ssl or send-proxy (configuration.txt 5.2 "check", check.c init_srv_check)', () => {
    assert.deepEqual(what(first('  server s1 10.0.0.2:443 ssl verify none check port 80')), { kind: 'tcp', port: 80 });
    assert.deepEqual(what(first('  server s1 10.0.0.2:443 send-proxy check addr 10.0.0.3')), { kind: 'tcp', host: '10.0.0.3' });
    // Without them, send-proxy goes to the checks too: rsguard cannot send the PROXY header.
    const { checks, r } = imp('  server s1 10.0.0.2:443 send-proxy check');
    assert.ok(typeof checks[0]![0]!.unsupported === 'string');
    assert.ok(r.errors.every((e) => e.unsupported));
  });

  it('a tcp-check connect without default does not use the server line ssl (tcpcheck_eval_connect)', () => {
    const c = first('  option tcp-check\n  tcp-check connect port 8443\n  server s1 10.0.0.2:443 ssl verify none check');
    assert.deepEqual(what(c), { kind: 'tcp', steps: [{ step: 'connect', port: 8443 }], maxBytes: 16384 });
  });

  it('agent-check is a check beside the main one, observe becomes passive health, track with check is refused; traffic options are one warning', () => {
    const { checks, r } = imp('  server s1 10.0.0.2:80 check agent-check agent-port 9999 observe layer4 error-limit 5 on-error mark-down cookie s1 maxconn 100');
    assert.equal(checks[0]!.length, 2);
    assert.equal(checks[0]![1]!.kind, 'agent');
    assert.deepEqual(r.errors, []);
    const rs = (r.input.virtualServices as Obj[])[0]!.realServers as Obj[];
    assert.deepEqual(rs[0]!.haproxyPassive, { observe: 'layer4', errorLimit: 5, onError: 'mark-down' });
    assert.ok(r.warnings.some((w) => w.includes('h.cfg:4: cookie, maxconn accepted, not acted on')));
    // Check settings of a server without check are said to do nothing, not dropped.
    assert.ok(imp('  default-server inter 3s fall 3 rise 2\n  server s1 10.0.0.2:80').r.warnings.some((w) => w.includes('h.cfg:5: inter, fall, rise accepted, not acted on: the server has no check')));
    // The agent runs without `check` too; `observe none` is off.
    const alone = imp('  server s1 10.0.0.2:80 agent-check agent-port 9999');
    assert.deepEqual([alone.r.errors, alone.checks[0]!.map((c) => c.kind)], [[], ['agent']]);
    assert.deepEqual(imp('  server s1 10.0.0.2:80 check observe none').r.errors, []);
    assert.equal(imp('  server s1 10.0.0.2:80 track b2/s1 check').r.errors[0]?.path, 'track');
    // check-via-socks4 (configuration.txt 5.2): the check goes through the server's socks4 proxy, sending HAProxy's USERID.
    const via = imp('  server s1 10.0.0.2:80 socks4 10.0.0.9:1080 check-via-socks4 check');
    assert.deepEqual([via.r.errors, via.checks[0]![0]!.socks4], [[], { address: '10.0.0.9:1080', userId: 'HAProxy' }]);
    assert.ok(!via.r.warnings.some((w) => w.includes('socks4 accepted, not acted on')));
    // socks4 alone carries HAProxy's traffic, not its checks.
    const traffic = imp('  server s1 10.0.0.2:80 socks4 10.0.0.9:1080 check');
    assert.deepEqual([traffic.checks[0]![0]!.socks4, traffic.r.warnings.some((w) => w.includes('h.cfg:4: socks4 accepted, not acted on'))], [undefined, true]);
    // tcp-check connect via-socks4 uses the server's proxy; a sequence mixing both ways is one rsguard cannot make one check of.
    const rule = imp('  option tcp-check\n  tcp-check connect via-socks4\n  tcp-check send PING\\r\\n\n  tcp-check expect string +PONG\n  server s1 10.0.0.2:80 socks4 10.0.0.9:1080 check');
    assert.deepEqual(rule.checks[0]![0]!.socks4, { address: '10.0.0.9:1080', userId: 'HAProxy' });
    const mixed = imp('  option tcp-check\n  tcp-check connect via-socks4\n  tcp-check connect port 8080\n  server s1 10.0.0.2:80 socks4 10.0.0.9:1080 check');
    assert.match(mixed.r.errors[0]!.message, /some through the SOCKS4 proxy \(via-socks4\) and some not/);
    // option smtpchk is HAProxy's own tcp-check ruleset: through the proxy like any; rsguard's ldap, mysql and pgsql probes are not.
    const smtp = imp('  option smtpchk\n  server s1 10.0.0.2:25 socks4 10.0.0.9:1080 check-via-socks4 check').checks[0]![0]!;
    assert.deepEqual([smtp.kind, smtp.socks4], ['tcp', { address: '10.0.0.9:1080', userId: 'HAProxy' }]);
    assert.match(imp('  option mysql-check user haproxy\n  server s1 10.0.0.2:3306 socks4 10.0.0.9:1080 check-via-socks4 check').r.errors[0]!.message, /option mysql-check through a SOCKS4 proxy/);
    // slowstart: HAProxy itself warms the server up when rsguard takes it out of maint.
    assert.ok(imp('  server s1 10.0.0.2:80 check slowstart 30s').r.warnings.some((w) => w.includes('slowstart 30s is left to HAProxy')));
  });

  it('proto h2, check-proto h2 and check-alpn h2 make an HTTP/2 check; alpn h2,http/1.1 lets the server choose and is unsupported; an unknown keyword is refused as HAProxy refuses it', () => {
    // configuration.txt 5.2 "check-proto": h2 mode=HTTP; "check-alpn".
    assert.equal(first('  option httpchk\n  server s1 10.0.0.2:80 proto h2 check').version, 2);
    assert.equal(first('  option httpchk\n  server s1 10.0.0.2:80 check check-proto h2').version, 2);
    assert.equal(first('  option httpchk\n  server s1 10.0.0.2:443 check check-ssl verify none check-alpn h2').version, 2);
    assert.ok(first('  option httpchk\n  server s1 10.0.0.2:443 check check-ssl verify none check-alpn h2,http/1.1').unsupported);
    // The request line's version: HTTP/1.0 unless written (HTTP/1.1 is the schema's default, so it is left out); a Host only when written.
    assert.equal(first('  option httpchk GET /health\n  server s1 10.0.0.2:80 check').version, 1);
    const v11 = first('  option httpchk GET /health HTTP/1.1\\r\\nHost:\\ www.test\n  server s1 10.0.0.2:80 check');
    assert.deepEqual([v11.version, v11.virtualHost], [undefined, 'www.test']);
    const send = first('  option httpchk\n  http-check send meth GET uri /h ver HTTP/1.1\n  server s1 10.0.0.2:80 check');
    assert.deepEqual([send.version, send.virtualHost], [undefined, false]);
    // proto h2 is HTTP mode: a TCP check does not inherit it.
    assert.deepEqual(what(first('  server s1 10.0.0.2:80 proto h2 check')), { kind: 'tcp' });
    const { r } = imp('  server s1 10.0.0.2:80 check frobnicate');
    assert.match(r.errors[0]!.message, /unknown server keyword "frobnicate"/);
    // default-server's flags are turned off by the server's no-* keywords.
    assert.deepEqual(what(first('  default-server ssl verify none check\n  server s1 10.0.0.2:80 no-ssl')), { kind: 'tcp' });
  });
});

describe('haproxy.cfg tcp-check and http-check rulesets', () => {
  it('the redis master sequence of configuration.txt ("option tcp-check") is a list of steps', () => {
    const c = first(
      '  option tcp-check\n  tcp-check comment PING\\ phase\n  tcp-check send PING\\r\\n\n  tcp-check expect string +PONG\n  tcp-check comment role\\ check\n  tcp-check send info\\ replication\\r\\n\n  tcp-check expect string role:master\n  tcp-check comment QUIT\\ phase\n  tcp-check send QUIT\\r\\n\n  tcp-check expect string +OK\n  server s1 10.0.0.2:6379 check',
    );
    assert.deepEqual(c.steps, [
      { step: 'connect' },
      { step: 'send', data: 'PING\r\n' },
      { step: 'expect', string: '+PONG' },
      { step: 'send', data: 'info replication\r\n' },
      { step: 'expect', string: 'role:master' },
      { step: 'send', data: 'QUIT\r\n' },
      { step: 'expect', string: '+OK' },
    ]);
    valid(c);
  });

  it('send-binary / expect binary, rbinary and negation (configuration.txt "tcp-check send-binary", "tcp-check expect")', () => {
    const c = first('  option tcp-check\n  tcp-check send-binary 50494e470d0a # PING\\r\\n\n  tcp-check expect binary 2b504F4e47 # +PONG\n  tcp-check expect ! rbinary ^2D\n  server s1 10.0.0.2:6379 check');
    assert.deepEqual(c.steps, [{ step: 'connect' }, { step: 'send', hex: '50494e470d0a' }, { step: 'expect', hex: '2b504F4e47' }, { step: 'expect', hexRegex: '^2D', not: true }]);
    valid(c);
  });

  it('several connect rules on other ports (configuration.txt "tcp-check connect": POP and IMAP; reg-tests tcp-check_multiple_ports.vtc)', () => {
    const c = first('  option tcp-check\n  tcp-check connect port 110 linger\n  tcp-check expect string +OK\\ POP3\\ ready\n  tcp-check connect port 143\n  tcp-check expect string *\\ OK\\ IMAP4\\ ready\n  server mail 10.0.0.1 check');
    assert.deepEqual(c.steps, [{ step: 'connect', port: 110 }, { step: 'expect', string: '+OK POP3 ready' }, { step: 'connect', port: 143 }, { step: 'expect', string: '* OK IMAP4 ready' }]);
    // `server mail 10.0.0.1` has no port: the check has its first connect's, so it loads.
    assert.equal(c.port, 110);
    valid(c);
  });

  it('a sample fetch rsguard does not read is unsupported naming it; a send after an expect without connect is refused in http-check as HAProxy does', () => {
    const v = imp('  option tcp-check\n  tcp-check set-var(check.port) src_port\n  tcp-check connect\n  server s1 10.0.0.2:80 check');
    assert.match(v.r.errors[0]!.message, /tcp-check set-var\(check.port\): the sample fetch "src_port"/);
    assert.equal(v.r.errors[0]!.line, 5);
    const h = imp('  option httpchk\n  http-check send meth GET\n  http-check expect status 200\n  http-check send meth HEAD\n  server s1 10.0.0.2:80 check');
    assert.match(h.r.errors[0]!.message, /missing connect rule/);
    assert.equal(h.r.errors[0]!.line, 7);
  });

  it('http-check send body and hdr replace the option line headers (reg-tests/checks/http-check-send.vtc s4)', () => {
    const c = first('  option httpchk GET /status HTTP/1.1\\r\\nHdr:\\ must-be-removed\n  http-check send hdr Host "my-www-host" hdr X-test true body "test"\n  server s1 10.0.0.2:80 check');
    assert.deepEqual(what(c), { kind: 'http', method: 'GET', path: '/status', virtualHost: 'my-www-host', headers: { 'X-test': 'true' }, body: 'test', expectStatus: ['200-399'] });
    valid(c);
  });

  it('several http-check expect rules are all evaluated, and no status is checked unless a rule says so (configuration.txt "http-check expect")', () => {
    const c = first('  option httpchk\n  http-check expect status 200,201,300-310\n  http-check expect ! string SQL\\ Error\n  http-check expect rstring <!--tag:[0-9a-f]*--></html>\n  http-check expect ! rstatus ^5\n  server s1 10.0.0.2:80 check');
    assert.deepEqual(c.expectRules, [{ status: [200, 201, '300-310'] }, { body: 'SQL Error', not: true }, { bodyRegex: '<!--tag:[0-9a-f]*--></html>' }, { statusRegex: '^5', not: true }]);
    assert.deepEqual([c.expectStatus, c.maxBodyBytes], [['000-999'], 16384]);
    valid(c);
    assert.deepEqual(first('  option httpchk\n  http-check expect string ok\n  server s1 10.0.0.2:80 check').expectStatus, ['000-999']);
  });

  it('option ssl-hello-chk sends HAProxy\'s SSLv3 hello and expects a handshake or alert record (proxy_parse_ssl_hello_chk_opt); redis-check and smtpchk go over TLS with check-ssl', () => {
    const c = first('  option ssl-hello-chk\n  server s1 10.0.0.2:443 check');
    const steps = c.steps as Obj[];
    assert.equal(Buffer.from(String(steps[1]!.hex), 'hex').length, 126);
    assert.deepEqual(steps[2], { step: 'expect', hexRegex: '^1[56]' });
    valid(c);
    const redis = first('  option redis-check\n  server s1 10.0.0.2:6379 check check-ssl verify none');
    assert.deepEqual(redis.steps, [{ step: 'connect', tls: true, tlsServerName: false }, { step: 'send', data: 'PING\r\n' }, { step: 'expect', string: '+PONG' }]);
    const smtps = first('  option smtpchk\n  server s1 10.0.0.2:465 check check-ssl verify none');
    assert.deepEqual([(smtps.steps as Obj[])[0], smtps.tlsVerify], [{ step: 'connect', tls: true, tlsServerName: false }, false]);
  });

  it('an http-check sequence over two connections is two checks (configuration.txt "http-check connect" example)', () => {
    const { checks, r } = imp(
      '  option httpchk\n  http-check connect\n  http-check send meth GET uri / ver HTTP/1.1 hdr host haproxy.1wt.eu\n  http-check expect status 200-399\n  http-check connect port 443 ssl sni haproxy.1wt.eu\n  http-check send meth GET uri / ver HTTP/1.1 hdr host haproxy.1wt.eu\n  http-check expect status 200-399\n  server www 10.0.0.1 check port 80 verify none',
    );
    assert.deepEqual(checks[0]!.map(what), [
      { kind: 'http', method: 'GET', path: '/', virtualHost: 'haproxy.1wt.eu', expectStatus: ['200-399'], port: 80 },
      { kind: 'https', method: 'GET', path: '/', virtualHost: 'haproxy.1wt.eu', expectStatus: ['200-399'], port: 443, tlsServerName: 'haproxy.1wt.eu', tlsVerify: false },
    ]);
    assert.ok(r.warnings.some((w) => w.includes('2 checks here')));
    for (const c of checks[0]!) valid(c);
  });
});
