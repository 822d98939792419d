import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, loadYamlText, modelFromImport } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import type { Model } from '../../src/model/model.js';
import { importHaproxy, importHaproxyResolved } from '../../src/config/import/haproxy.js';
import { splitHaproxyLine } from '../../src/config/import/haproxy-line.js';
import { parseHaproxy } from '../../src/config/import/haproxy-parser.js';
import { resolveAll, type Lookup, type NameQuery } from '../../src/lib/name-lookup.js';
import { movedServers } from '../../src/engine/resolve-again.js';

const words = (line: string, env: Record<string, string> = {}) => {
  const r = splitHaproxyLine(line, { env, file: 'h.cfg', line: 7, section: 'be1' });
  return r.error ?? r.words;
};
type Vs = { name: string; address: string; haproxy: { backend: string }; realServers: Array<Record<string, unknown>> };
const vss = (r: { input: Record<string, unknown> }) => r.input.virtualServices as Vs[];
const GLOBAL = 'global\n  stats socket /run/h.sock level admin\n';

async function load(text: string): Promise<Model> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-hap-'));
  try {
    const file = path.join(dir, 'haproxy.cfg');
    writeFileSync(file, text);
    return await loadConfig(file, 'haproxy');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("haproxy.cfg lines as HAProxy 2.6's parse_line() reads them", () => {
  it('environment variables only inside double quotes, with defaults and [*] (configuration.txt 2.3)', () => {
    const env = { FD_APP1: '3', HAPROXY_USER: 'haproxy', ADDRS: 'a  b c' };
    assert.deepEqual(words('bind "fd@${FD_APP1}"', env), ['bind', 'fd@3']);
    assert.deepEqual(words('log "${LOCAL_SYSLOG-127.0.0.1}:514" local0 notice  # send to local server', env), ['log', '127.0.0.1:514', 'local0', 'notice']);
    assert.deepEqual(words('user "$HAPROXY_USER"', env), ['user', 'haproxy']);
    // Outside double quotes and inside single quotes a dollar is a dollar.
    assert.deepEqual(words("x ${HAPROXY_USER} '$HAPROXY_USER'", env), ['x', '${HAPROXY_USER}', '$HAPROXY_USER']);
    assert.deepEqual(words('server-list "${ADDRS[*]}" end', env), ['server-list', 'a', 'b', 'c', 'end']);
    // The default replaces an unset variable, not an empty one.
    assert.deepEqual(words('x "${EMPTY-d}y"', { EMPTY: '' }), ['x', 'y']);
    assert.deepEqual(words('x "$.LINE" "$.FILE" "$.SECTION"'), ['x', '7', 'h.cfg', 'be1']);
  });
  it('escapes: \\xHH, \\$ in double quotes only, \\# and \\<space> everywhere but single quotes (tools.c parse_line)', () => {
    assert.deepEqual(words('x "\\x41\\$HOME" \'$HOME\\x41\' a\\ b\\#c \\1'), ['x', 'A$HOME', '$HOME\\x41', 'a b#c', '\\1']);
  });
  it('what HAProxy refuses: unmatched quote, unmatched brace, a bad variable name, a bad \\x', () => {
    assert.match(String(words('x "abc')), /unmatched quote at position 3/);
    assert.match(String(words('x "${ABC"')), /unmatched brace/);
    assert.match(String(words('x "$1"')), /forbidden first char in environment variable name/);
    assert.match(String(words('x \\xZZ')), /invalid hexadecimal sequence/);
  });
  it("HAProxy's own reg-tests load: timeout check \"${HAPROXY_TEST_TIMEOUT-5s}\" (reg-tests/checks/tcp-check_min-recv.vtc)", () => {
    const r = importHaproxy('h.cfg', `${GLOBAL}defaults\n    mode tcp\n    timeout connect "\${HAPROXY_TEST_TIMEOUT-5s}"\n    timeout check "\${HAPROXY_TEST_TIMEOUT-5s}"\nbackend be1\n    server srv1 127.0.0.1:8080 check inter 200ms rise 1 fall 1\n`, { env: {} });
    assert.deepEqual(r.errors, []);
    const check = (vss(r)[0]!.realServers[0]!.checks as Array<Record<string, unknown>>)[0]!;
    // timeout check adds to min(timeout connect, inter) (configuration.txt "timeout check").
    assert.equal(check.timeout, '5200ms');
  });
});

describe('haproxy.cfg conditional blocks (configuration.txt 2.4, cfgcond.c)', () => {
  const sectionsOf = (text: string, env: Record<string, string>) => {
    const p = parseHaproxy('h.cfg', text, env);
    return { ...p, binds: p.sections.flatMap((s) => s.body.filter((d) => d.key === 'bind').map((d) => d.args[0])) };
  };
  it('defined(), streq(), strneq(), .elif, .else and nesting', () => {
    const text = 'frontend f\n.if defined(HAPROXY_MWORKER)\n  bind :1111\n.endif\n.if strneq("$SSL_ONLY",yes)\n  bind :80\n.elif 1\n  bind :81\n.else\n  bind :82\n.endif\n.if 0\n  .if feature(OPENSSL)\n  bind :83\n  .endif\n.else\n  bind :84\n.endif\n';
    assert.deepEqual(sectionsOf(text, {}).binds, [':80', ':84']);
    assert.deepEqual(sectionsOf(text, { HAPROXY_MWORKER: '1', SSL_ONLY: 'yes' }).binds, [':1111', ':81', ':84']);
  });
  it('predicates about the HAProxy binary are refused naming them, unless a short circuit skips them', () => {
    const r = sectionsOf('frontend f\n.if feature(OPENSSL) && (streq("$WITH_SSL",yes) || streq("$SSL_ONLY",yes))\n  bind :443 ssl crt x\n.endif\n', {});
    assert.match(r.errors[0]!.message, /feature\(OPENSSL\) depends on the HAProxy binary/);
    assert.equal(r.errors[0]!.line, 2);
    assert.deepEqual(sectionsOf('frontend f\n.if defined(X) || version_atleast(2.4-dev19)\n  bind :1\n.endif\n', { X: '' }).errors, []);
    assert.match(sectionsOf('.if version_atleast(2.4-dev19)\n.endif\n', {}).errors[0]!.message, /version_atleast\(2.4-dev19\)/);
  });
  it('.alert stops, .warning and .notice are reported, .diag is quiet; a missing .endif is an error', () => {
    const r = sectionsOf('.if !defined(OPENSSL_OK)\n  .alert "SSL support is mandatory"\n.endif\nfrontend f\n', {});
    assert.match(r.errors[0]!.message, /SSL support is mandatory/);
    assert.equal(r.sections.length, 0);
    const w = sectionsOf('.warning "old config"\n.notice "hello"\n.diag "quiet"\nfrontend f\n', {});
    assert.deepEqual(w.warnings, ["h.cfg:1: .warning 'old config'", "h.cfg:2: .notice 'hello'"]);
    assert.match(sectionsOf('.if 1\nfrontend f\n', {}).errors[0]!.message, /not terminated by '.endif'/);
    assert.match(sectionsOf('.warning a b\n', {}).errors[0]!.message, /Use quotes/);
  });
});

describe('haproxy.cfg topology: backends, binds, defaults', () => {
  // configuration.txt 4.2 "default_backend": use_backend rules plus a default backend behind one frontend.
  const twoBackends = `${GLOBAL}frontend f\n  bind :80\n  use_backend     dynamic  if  url_dyn\n  use_backend     static   if  url_css url_img extension_img\n  default_backend dynamic\nbackend dynamic\n  server d1 10.0.0.1:8080 check\nbackend static\n  server s1 10.0.0.2:80 check\n`;
  it('several backends behind one frontend are several virtual services, known by backend name', async () => {
    const m = await load(twoBackends);
    assert.deepEqual(
      m.virtualServices.map((v) => [v.key, v.name, v.host, v.port]),
      [
        ['backend:dynamic', 'dynamic', '0.0.0.0', 80],
        ['backend:static', 'static', '0.0.0.0', 80],
      ],
    );
  });
  it('IPVS still refuses two virtual services on one address', () => {
    const yaml = 'global: { listen: 127.0.0.1:9000 }\nbalancer: { kind: ipvs }\nvirtualServices:\n  - { address: 10.0.0.1:80, realServers: [{ address: 10.0.0.2:80 }] }\n  - { address: 10.0.0.1:80, realServers: [{ address: 10.0.0.3:80 }] }\n';
    assert.throws(() => loadYamlText('r.yaml', yaml), /duplicate virtual service tcp:10.0.0.1:80/);
  });
  it('the same backend twice is still a duplicate under HAProxy', () => {
    const yaml = 'global: { listen: 127.0.0.1:9000 }\nbalancer: { kind: haproxy, socket: /run/h.sock }\nvirtualServices:\n  - { address: 10.0.0.1:80, haproxy: { backend: app }, realServers: [{ address: 10.0.0.2:80 }] }\n  - { address: 10.0.0.9:80, haproxy: { backend: app }, realServers: [{ address: 10.0.0.3:80 }] }\n';
    assert.throws(() => loadYamlText('r.yaml', yaml), /duplicate virtual service backend:app/);
  });
  it('binds: several, comma lists, port ranges, IPv6, unix sockets (configuration.txt 4.2 "bind")', () => {
    const addr = (bind: string) => vss(importHaproxy('h.cfg', `${GLOBAL}frontend f\n${bind}\n  default_backend b\nbackend b\n  server s 10.0.0.1:8080\n`))[0]!.address;
    assert.equal(addr('  bind /var/run/haproxy-b.sock\n  bind 10.0.0.7:8000-8010'), '10.0.0.7:8000');
    assert.equal(addr('  bind :80,:443'), '0.0.0.0:80');
    assert.equal(addr('  bind :::80 v4v6'), '[::]:80');
    assert.equal(addr('  bind ipv6@2001:db8::1:443'), '[2001:db8::1]:443');
    assert.equal(addr('  bind unix@/run/a.sock'), '0.0.0.0:8080');
    assert.equal(addr('  bind "fd@${FD_APP1}"'), '0.0.0.0:8080');
  });
  it('use-server with weight 0 servers, a dynamic use_backend, and a backend no frontend uses (configuration.txt "use-server", "use_backend")', () => {
    const r = importHaproxy('h.cfg', `${GLOBAL}frontend f\n  bind :443\n  use_backend bk_%[req.ssl_sni,lower]\nbackend tls\n  use-server www if { req.ssl_sni -i www.example.com }\n  server     www 192.168.0.1:443 weight 0\n  use-server mail if { req.ssl_sni -i mail.example.com }\n  server     mail 192.168.0.1:465 weight 0\n  server  default 192.168.0.2:443 check\nbackend unused\n  server u 10.0.0.3:80\n`);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(vss(r).map((v) => [v.name, v.realServers.map((s) => [s.haproxyServer, s.weight])]), [
      ['tls', [['www', 0], ['mail', 0], ['default', 1]]],
      ['unused', [['u', 1]]],
    ]);
    assert.ok(r.warnings.some((w) => /h.cfg:5: use_backend bk_%\[req.ssl_sni,lower\] picks its backend at run time/.test(w)));
  });
  it('named defaults and `from` (configuration.txt 4 "defaults [<name>] [ from <defaults_name> ]")', () => {
    const text = `${GLOBAL}defaults base\n  timeout check 1s\n  default-server inter 500ms\ndefaults other\n  timeout check 9s\ndefaults web from base\n  option httpchk GET /health\nbackend a from web\n  server s1 10.0.0.1:80 check\nbackend b\n  server s2 10.0.0.2:80 check\nbackend c from nope\n  server s3 10.0.0.3:80 check\n`;
    const r = importHaproxy('h.cfg', text);
    const check = (i: number) => (vss(r)[i]!.realServers[0]!.checks as Array<Record<string, unknown>>)[0]!;
    assert.deepEqual([check(0).kind, check(0).path, check(0).interval, check(0).timeout], ['http', '/health', '500ms', '1500ms']);
    // b takes the last defaults section, `web`, which takes base's.
    assert.deepEqual([check(1).kind, check(1).interval], ['http', '500ms']);
    assert.match(r.errors[0]!.message, /defaults section 'nope' not found for backend 'c'/);
    // haproxy -c on this file: "defaults section 'web' ... is explicitly referenced by another proxy and implicitly used here", a warning.
    assert.ok(r.warnings.some((w) => /h.cfg:12: defaults section 'web' \(declared at h.cfg:8\) is explicitly referenced/.test(w)));
  });
  it("`no option httpchk` is refused as HAProxy refuses it (negation/default is not supported)", () => {
    const r = importHaproxy('h.cfg', `${GLOBAL}defaults\n  option httpchk\nbackend b\n  no option httpchk\n  server a 127.0.0.1:80 check\n`);
    assert.match(r.errors[0]!.message, /negation\/default is not supported for option 'httpchk'/);
    assert.equal(r.errors[0]!.line, 6);
  });
  it("listen NAME ADDRESS: HAProxy 2 refuses it, HAProxy 1 took it as a bind; tolerated and named (check-config --strict refuses)", () => {
    const r = importHaproxy('h.cfg', `${GLOBAL}listen web 0.0.0.0:8080\n  server s1 10.0.0.1:80\n`);
    assert.equal(vss(r)[0]!.address, '0.0.0.0:8080');
    assert.match(r.tolerated![0]!.message, /please use the 'bind' keyword/);
  });
});

describe('haproxy.cfg servers by host name (configuration.txt "init-addr", "resolvers", "server-template")', () => {
  const fake =
    (table: Record<string, string[]>, asked: NameQuery[] = []): Lookup =>
    async (q) => {
      asked.push(q);
      return table[`${q.resolvers ? 'dns' : 'libc'}:${q.name}`] ?? [];
    };
  it('a name resolves at load (libc); an unresolvable one refuses the file unless init-addr ends in none', async () => {
    const r = await importHaproxyResolved('h.cfg', `${GLOBAL}backend b\n  server web1 web1.example:80 check\n  server gone gone.example:80 check\n`, undefined, fake({ 'libc:web1.example': ['10.0.0.5'] }));
    assert.equal(vss(r)[0]!.realServers[0]!.address, '10.0.0.5:80');
    assert.match(r.errors[0]!.message, /could not resolve address 'gone.example' of server 'gone' \(init-addr last,libc: HAProxy refuses to start\)/);
    assert.equal(r.errors[0]!.line, 5);
    const n = await importHaproxyResolved('h.cfg', `${GLOBAL}defaults\n  # never fail on address resolution\n  default-server init-addr last,libc,none\nbackend b\n  server web1 web1.example:80 check\n  server gone gone.example:80 check\n`, undefined, fake({ 'libc:web1.example': ['10.0.0.5'] }));
    assert.deepEqual(n.errors, []);
    assert.deepEqual(vss(n)[0]!.realServers.map((s) => s.haproxyServer), ['web1']);
    // HAProxy: "could not resolve address 'gone.example', disabling server." and it starts: a tolerated issue on its line.
    assert.deepEqual(n.tolerated?.map((t) => [t.line, t.path]), [[8, 'server']]);
    assert.match(n.tolerated![0]!.message, /server gone: could not resolve address 'gone.example' \(init-addr last,libc,none\): HAProxy disables the server \(maint\) and starts/);
    assert.equal(n.hostNames.everyMs, undefined);
  });
  it('server-template srv 1-3 with resolvers: one answer each, the rest in maint; asked again every hold valid', async () => {
    const text = `${GLOBAL}resolvers dns\n  nameserver ns1 127.0.0.1:5353\n  hold valid 5s\nbackend b\n  server-template srv 1-3 app.example:80 check resolvers dns init-addr none\n`;
    const r = await importHaproxyResolved('h.cfg', text, undefined, fake({ 'dns:app.example': ['10.0.0.1', '10.0.0.2'] }));
    assert.deepEqual(r.errors, []);
    assert.deepEqual(vss(r)[0]!.realServers.map((s) => [s.haproxyServer, s.address]), [
      ['srv1', '10.0.0.1:80'],
      ['srv2', '10.0.0.2:80'],
    ]);
    assert.equal(r.hostNames.everyMs, 5000);
  });
  it('asked again: names of a resolvers section are; libc names keep their start-time answer, as in HAProxy', async () => {
    const asked: NameQuery[] = [];
    const dns = { id: 'dns', holdValidMs: 10_000, nameservers: [] };
    const previous = new Map([
      ['libc|a.example', ['10.0.0.1']],
      ['resolvers:dns:ipv6|b.example', ['10.0.0.2']],
    ]);
    const got = await resolveAll([{ name: 'a.example', prefer: 'ipv6', again: 'never' }, { name: 'b.example', prefer: 'ipv6', resolvers: dns, again: 'always' }], previous, fake({ 'libc:a.example': ['10.9.9.9'], 'dns:b.example': ['10.0.0.3'] }, asked));
    assert.deepEqual([...got], [
      ['libc|a.example', ['10.0.0.1']],
      ['resolvers:dns:ipv6|b.example', ['10.0.0.3']],
    ]);
    assert.deepEqual(asked.map((q) => q.name), ['b.example']);
  });
  it('an answer that moves a server is reported by backend and server name', async () => {
    const text = (ip: string) => `${GLOBAL}backend b\n  server web1 ${ip}:80 check\n`;
    const moved = movedServers(await load(text('10.0.0.1')), await load(text('10.0.0.2')));
    assert.deepEqual(moved, [{ vs: 'b', server: 'web1', from: '10.0.0.1:80', to: '10.0.0.2:80' }]);
  });
  it('localhost resolves through libc when rsguard loads the file', async () => {
    const m = await load(`${GLOBAL}backend b\n  server web1 localhost:8080 check\n`);
    assert.ok(['127.0.0.1', '::1'].includes(m.virtualServices[0]!.realServers[0]!.host));
    assert.ok(m.hostNames!.answers.get('libc|localhost')!.length > 0);
  });
});

describe('server-state-file', () => {
  it('global server-state-file (under server-state-base) loaded by load-server-state-from-file global becomes balancer.serverStateFile (configuration.txt 3.1, 4.2)', async () => {
    const { importHaproxy } = await import('../../src/config/import/haproxy.js');
    const cfg = (g: string, d: string) => `global\n    stats socket /run/haproxy/admin.sock level admin\n${g}defaults\n    mode http\n${d}backend web\n    server s1 10.0.0.2:80 check\n`;
    const kept = importHaproxy('h.cfg', cfg('    server-state-base /var/lib/haproxy/\n    server-state-file state\n', '    load-server-state-from-file global\n'));
    assert.equal((kept.input.balancer as { serverStateFile?: string }).serverStateFile, '/var/lib/haproxy/state');
    const none = importHaproxy('h.cfg', cfg('', ''));
    assert.equal((none.input.balancer as { serverStateFile?: string }).serverStateFile, undefined);
    assert.ok(none.warnings.some((w) => /no server-state-file/.test(w)), 'without one, the import says how to add it');
  });
});

describe('haproxy.cfg backends with no server for rsguard (HAProxy starts them: 503 until a server is up)', () => {
  const noLookup: Lookup = async () => [];
  const loaded = async (text: string, strict = false) => modelFromImport(await importHaproxyResolved('h.cfg', text, undefined, noLookup), 'h.cfg', 'haproxy', strict, text);
  it('a backend without server lines (servers come with `add server` on the CLI) is an empty pool, with a warning on its line', async () => {
    // reg-tests/server/cli_add_check_server.vtc: the backend is empty until the CLI adds srv.
    const text = `${GLOBAL}backend be1\n  option httpchk GET /\nfrontend fe\n  bind 127.0.0.1:8080\n  default_backend be1\n`;
    const model = await loaded(text);
    assert.deepEqual(model.virtualServices.map((v) => [v.name, v.key, v.realServers.length]), [['be1', 'backend:be1', 0]]);
    assert.ok(model.warnings.some((w) => /^h\.cfg:3: backend be1: no server lines \(servers added at run time with `add server` on the CLI are not seen by rsguard\): loaded with an empty pool$/.test(w)), model.warnings.join('\n'));
  });
  it('servers whose names do not resolve under init-addr ...,none are tolerated issues on their lines; backups stay HAProxy\'s; the backend loads empty', async () => {
    // configuration.txt "init-addr": "none" starts the server without an address, in maintenance (HAProxy warns "disabling server").
    const text = `${GLOBAL}defaults\n  default-server init-addr last,libc,none\nbackend redis\n  server redis-master redis-master.invalid:6379 check\n  server standby 192.168.99.100:6379 check backup\n`;
    const r = await importHaproxyResolved('h.cfg', text, undefined, noLookup);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.tolerated?.map((t) => [t.line, t.path]), [[6, 'server']]);
    const model = await loaded(text);
    assert.deepEqual(model.virtualServices.map((v) => [v.name, v.realServers.length]), [['redis', 0]]);
    // The left-out server waits as a check error "unresolved" (shown in status), so the pool is not called empty.
    assert.deepEqual(model.hostNames?.unresolved?.map((u) => [u.name, u.port]), [['redis-master.invalid', 6379]]);
    assert.ok(!model.warnings.some((w) => /every server line was left out/.test(w)));
    // check-config --strict refuses what HAProxy only warns of.
    await assert.rejects(loaded(text, true), (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.line === 6 && /could not resolve address 'redis-master.invalid'/.test(i.message)));
  });
  it('a file without a single backend or listen section is refused: no pool, empty or not, to drive', async () => {
    const text = `${GLOBAL}frontend fe\n  bind 127.0.0.1:8080\n  http-request return status 200\n`;
    await assert.rejects(loaded(text), (e: unknown) => e instanceof ConfigError && /no backend or listen section: nothing for rsguard to drive/.test(e.message));
  });
});
