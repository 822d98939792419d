import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { importHaproxy } from '../../src/config/import/haproxy.js';
import { checkSchema } from '../../src/config/schema.js';

type Obj = Record<string, unknown>;

/** Backend `name` with these lines and one server `srv`; its checks and the import result. */
function imp(body: string, name = 'b') {
  const r = importHaproxy('h.cfg', `global\n  stats socket /run/h.sock level admin\nbackend ${name}\n${body}\n`);
  const rs = ((r.input.virtualServices as Obj[] | undefined)?.[0]?.realServers as Obj[] | undefined)?.[0];
  return { r, checks: (rs?.checks as Obj[] | undefined) ?? [] };
}
function what(c: Obj): Obj {
  const { interval, retryInterval, timeout, rise, fall, ...rest } = c;
  void [interval, retryInterval, timeout, rise, fall];
  return rest;
}
const valid = (c: Obj) => assert.doesNotThrow(() => checkSchema.parse(c), JSON.stringify(c));
const SRV = '  server srv 10.0.0.2:80 check';

describe('haproxy.cfg check rules with variables and log-format strings (configuration.txt 4 "http-check set-var", 8.2.4)', () => {
  it('reg-tests/checks/http-check-expect.vtc: hdr/fhdr rules, a variable from a response header read per check, one from str() folded in', () => {
    const { r, checks } = imp(
      [
        '  option httpchk',
        '  http-check expect status 200-399',
        '  http-check expect hdr name -m reg "^[a-z]+-Reg-[a-z]+[0-9]\\$"',
        '  http-check set-var(check.hdr_name) res.fhdr(x-hdr-name)',
        '  http-check expect hdr name-lf -m str "%[var(check.hdr_name)]"',
        '  http-check expect fhdr name "x-test1" value "true, next value"',
        '  http-check set-var(check.hdr_value) str(x-test1)',
        '  http-check expect hdr name -m beg "x-" value-lf -m str "%[var(check.hdr_value)]"',
        '  http-check expect fhdr name -m beg "x-" value-lf -m str "%[res.fhdr(x-hdr-name)]"',
        SRV,
      ].join('\n'),
    );
    assert.deepEqual(r.errors, []);
    const c = checks[0]!;
    assert.deepEqual(c.expectRules, [
      { status: ['200-399'] },
      { header: { name: '^[a-z]+-Reg-[a-z]+[0-9]$', nameMatch: 'reg' } },
      { header: { name: [{ header: 'x-hdr-name', full: true }] } },
      { header: { name: 'x-test1', value: 'true, next value', full: true } },
      { header: { name: 'x-', nameMatch: 'beg', value: 'x-test1' } },
      { header: { name: 'x-', nameMatch: 'beg', value: [{ header: 'x-hdr-name', full: true }], full: true } },
    ]);
    valid(c);
  });

  it('reg-tests/checks/http-check.vtc be4: set-var/unset-var, uri-lf, hdr and body-lf values over four connections', () => {
    const { r, checks } = imp(
      [
        '  option httpchk',
        '  http-check connect addr 10.0.0.9:8004',
        '  http-check set-var(check.server) "str(srv)"',
        '  http-check set-var(check.path) "str(/req1)"',
        '  http-check send meth GET uri-lf "%[var(check.path)]" ver HTTP/1.1 hdr x-test "server=%[var(check.server)]"',
        '  http-check expect status 200',
        '  http-check connect addr 10.0.0.9 port 8004',
        '  http-check unset-var(check.server)',
        '  http-check set-var(check.path) "str(/req2)"',
        '  http-check send meth GET uri-lf "%[var(check.path)]" ver HTTP/1.1 hdr x-test "server=%[var(check.server)]" body "health-check body"',
        '  http-check expect rstatus "^2[0-9]{2}"',
        '  http-check connect addr 10.0.0.9 port 8004',
        '  http-check unset-var(check.path)',
        '  http-check send meth GET uri-lf "%[var(check.path)]" body-lf "health-check on %[be_name]-%[srv_name]"',
        SRV,
      ].join('\n'),
      'be4',
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(
      checks.map((c) => [c.path, c.headers, c.body]),
      [
        ['/req1', { 'x-test': 'server=srv' }, undefined],
        // An unset variable writes nothing (lf_text_len without LOG_OPT_MANDATORY).
        ['/req2', { 'x-test': 'server=' }, 'health-check body'],
        // An empty uri-lf is "/" (tcpcheck_eval_send).
        ['/', undefined, 'health-check on be4-srv'],
      ],
    );
    for (const c of checks) valid(c);
  });

  it('int(), set-var-fmt, and txn/req/res variables, which a check has no stream for (get_vars)', () => {
    const { checks } = imp(
      [
        '  option httpchk',
        '  http-check set-var(check.port) int(1234)',
        '  http-check set-var-fmt(check.q) "port=%[var(check.port)]"',
        '  http-check set-var(txn.x) str(lost)',
        '  http-check send meth GET uri-lf "/s?%[var(check.q)]%[var(txn.x)]%%"',
        SRV,
      ].join('\n'),
    );
    assert.equal(checks[0]!.path, '/s?port=1234%');
  });

  it('a fetch, converter, log variable or scope outside the subset is unsupported naming it and its line; what HAProxy refuses is refused', () => {
    const unsupported = (body: string, re: RegExp, line: number) => {
      const { r } = imp(`  option httpchk\n${body}\n${SRV}`);
      assert.ok(r.errors[0]?.unsupported, JSON.stringify(r.errors));
      assert.match(r.errors[0]!.message, re);
      assert.equal(r.errors[0]!.line, line);
    };
    unsupported('  http-check send uri-lf "%[req.hdr(host)]"', /sample fetch "req\.hdr"/, 5);
    unsupported('  http-check set-var(check.x) str(a),lower', /converter "lower"/, 5);
    unsupported('  http-check send hdr x-node "%H"', /log-format variable %H/, 5);
    unsupported('  http-check set-var(proc.x) str(a)', /proc\.x/, 5);
    // A response header of one connection is gone by the next: each connection is a check of its own here.
    unsupported('  http-check send uri /a\n  http-check expect status 200\n  http-check set-var(check.p) res.hdr(location)\n  http-check connect\n  http-check send uri-lf "%[var(check.p)]"', /earlier connection/, 9);
    const refused = (body: string, re: RegExp) => {
      const { r } = imp(`  option httpchk\n${body}\n${SRV}`);
      assert.ok(r.errors[0] && !r.errors[0].unsupported, JSON.stringify(r.errors));
      assert.match(r.errors[0]!.message, re);
    };
    refused('  http-check expect hdr name-lf -m reg "%[str(a)]"', /log-format string is not supported with a regex/);
    refused('  http-check send uri-lf "/a%"', /truncated after '%'/);
    refused('  http-check set-var(x) str(a)', /must start with its scope/);
    refused('  http-check expect hdr value x', /expects the name keyword/);
  });

  it('a response header fetched before the response is read fails, and the variable keeps its value (action_store)', () => {
    const { checks } = imp(
      ['  option httpchk', '  http-check set-var(check.p) str(/early)', '  http-check set-var(check.p) res.hdr(location)', '  http-check send uri-lf "%[var(check.p)]"', SRV].join('\n'),
    );
    assert.equal(checks[0]!.path, '/early');
    const late = imp(['  option httpchk', '  http-check send uri /', '  http-check expect status 200', '  http-check set-var(check.v) str(fallback)', '  http-check set-var(check.v) res.hdr(x-v,2)', '  http-check expect string-lf "v=%[var(check.v)]"', SRV].join('\n'));
    assert.deepEqual((late.checks[0]!.expectRules as Obj[])[1], { body: ['v=', { header: 'x-v', occurrence: 2, otherwise: ['fallback'] }] });
    valid(late.checks[0]!);
  });
});

describe('tcp-check with variables, log-format strings and min-recv', () => {
  it('send-lf and string-lf from variables are their text; min-recv goes with its expect (reg-tests/checks/tcp-check_min-recv.vtc be2)', () => {
    const { r, checks } = imp(
      [
        '  option tcp-check',
        '  tcp-check set-var(check.cmd) str(PING)',
        '  tcp-check connect',
        '  tcp-check expect min-recv 5 !rstring "^error" comment "negative check"',
        '  tcp-check send-lf "%[var(check.cmd)]\\r\\n"',
        '  tcp-check expect string-lf "+%[str(PONG)]"',
        SRV,
      ].join('\n'),
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(what(checks[0]!), {
      kind: 'tcp',
      steps: [{ step: 'connect' }, { step: 'expect', regex: '^error', not: true, minRecv: 5 }, { step: 'send', data: 'PING\r\n' }, { step: 'expect', string: '+PONG' }],
      maxBytes: 16384,
    });
    valid(checks[0]!);
    const minus = imp(`  option tcp-check\n  tcp-check expect min-recv -1 string ok\n${SRV}`).checks[0]!;
    assert.equal(minus.expect, 'ok');
    assert.match(imp(`  option tcp-check\n  tcp-check expect min-recv -2 string ok\n${SRV}`).r.errors[0]!.message, /min-recv/);
    // HTTP replies are read whole before they are judged here.
    assert.ok(imp(`  option httpchk\n  http-check expect min-recv 4 string ok\n${SRV}`).r.errors[0]!.unsupported);
  });

  it('option smtpchk is HAProxy\'s own ruleset (proxy_parse_smtpchk_opt): HELO localhost unless told, and TLS from the first byte with check-ssl and the server\'s TLS options', () => {
    const plain = imp(`  option smtpchk\n${SRV}`).checks[0]!;
    assert.deepEqual(what(plain), {
      kind: 'tcp',
      steps: [
        { step: 'connect' },
        { step: 'expect', regex: '^[0-9]{3}[ \r]', minRecv: 4 },
        { step: 'expect', regex: '^2[0-9]{2}[ \r]', minRecv: 4 },
        { step: 'send', data: 'HELO localhost\r\n' },
        { step: 'expect', regex: '^2[0-9]{2}[- \r]', minRecv: 4 },
      ],
      maxBytes: 16384,
    });
    assert.equal((imp(`  option smtpchk EHLO lb.example\n${SRV}`).checks[0]!.steps as Obj[])[3]!.data, 'EHLO lb.example\r\n');
    // Only EHLO and HELO, as written, with a domain (strcmp in proxy_parse_smtpchk_opt).
    assert.equal((imp(`  option smtpchk ehlo lb.example\n${SRV}`).checks[0]!.steps as Obj[])[3]!.data, 'HELO localhost\r\n');
    const tls = imp('  option smtpchk\n  server srv 10.0.0.2:465 check check-ssl ca-file /etc/ssl/mail-ca.pem check-sni mail.example').checks[0]!;
    assert.deepEqual((tls.steps as Obj[])[0], { step: 'connect', tls: true, tlsServerName: 'mail.example' });
    assert.deepEqual([tls.tlsCa, tls.tlsServerName], ['/etc/ssl/mail-ca.pem', 'mail.example']);
    valid(tls);
  });
});
