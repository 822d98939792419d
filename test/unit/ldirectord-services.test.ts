import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import type { CheckDef, Model } from '../../src/model/model.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ldsvc-'));
let n = 0;
async function load(text: string): Promise<Model> {
  const f = path.join(dir, `ldirectord-${n++}.cf`);
  writeFileSync(f, text);
  return loadConfig(f, 'ldirectord');
}
async function errors(text: string): Promise<string[]> {
  try {
    await load(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.issues.map((i) => formatIssue(i).replace(`${dir}/`, ''));
  }
  return [];
}
const checkOf = (m: Model, vs = 0, rs = 0, i = 0): CheckDef => m.checks.get(m.virtualServices[vs]!.realServers[rs]!.checkIds[i]!)!;

/** The sorry server as the importer set it, without its check ids (they are the sorry server's own checks, tested in config.test). */
function sorryOf(s: { checkIds: string[] } | null): Omit<NonNullable<typeof s>, 'checkIds'> | null {
  if (!s) return null;
  const { checkIds: _ids, ...rest } = s;
  return rest;
}

describe('ldirectord service= values and port inference, as ldirectord 4.12 does them', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("Debian's example with every sample virtual uncommented loads, one check kind per service", async () => {
    const m = await loadConfig(path.join(root, 'test/fixtures/ldirectord/debian-all-services.cf'));
    const kinds = m.virtualServices.map((v) => `${v.port ?? `fwmark ${v.fwmark}`}:${v.realServers[0]!.checkIds.map((id) => m.checks.get(id)!.kind).join('+') || 'none'}`);
    assert.deepEqual(kinds, [
      '80:http', 'fwmark 1:http', '8080:http', '443:https', '21:ftp', '25:smtp', '587:smtp', '110:pop', '143:imap', '389:ldap', '119:nntp', '53:dns',
      '3306:mysql', '5432:pgsql', '23:none', '5353:icmp', '1812:radius', '5060:sip', '119:nntp',
    ]);
    const byPort = (p: number) => m.virtualServices.findIndex((v) => v.port === p);
    assert.deepEqual(checkOf(m, byPort(21)).spec, { login: true, user: 'anonymous', pass: 'ldirectord@localhost', starttls: false, retrieve: '/welcome.msg', expectRegex: 'test', tlsVerify: true });
    assert.deepEqual(pick(checkOf(m, byPort(389)).spec, ['base', 'expectDnRegex']), { base: 'dc=upmc, dc=fr', expectDnRegex: 'dc=upmc, dc=fr' });
    assert.deepEqual(pick(checkOf(m, byPort(53)).spec, ['query', 'type', 'transport', 'expectAnswerRegex']), { query: 'x.y.z', type: 'A', transport: 'udp', expectAnswerRegex: '127.0.0.1' });
    assert.deepEqual(pick(checkOf(m, byPort(3306)).spec, ['user', 'password', 'database', 'query']), { user: 'readuser', password: 'genericpassword', database: 'portal', query: 'SELECT * FROM link' });
    assert.deepEqual(pick(checkOf(m, byPort(1812)).spec, ['secret', 'user', 'password']), { secret: 'somesecret', user: 'readuser', password: 'genericpassword' });
    assert.equal(checkOf(m, byPort(5060)).spec.transport, 'udp');
    assert.equal(checkOf(m, 0).spec.followRedirects, true, 'LWP follows redirects');
    // fwmark virtual with checkport=80: the port-less real servers are checked on 80.
    assert.equal(checkOf(m, 1).target.port, 80);
  });

  it('a bare virtual=VIP:PORT infers the service from the port (3306, 5432, 25, 53, 3128)', async () => {
    const m = await load(`virtual=10.0.0.1:3306\n\treal=10.0.0.2:3306 gate\n\tlogin="u"\n\trequest="SELECT 1"\nvirtual=10.0.0.1:5432\n\treal=10.0.0.2:5432 gate\n\tlogin="u"\n\trequest="SELECT 1"\nvirtual=10.0.0.1:25\n\treal=10.0.0.2:25 gate\nvirtual=10.0.0.1:53\n\treal=10.0.0.2:53 gate\n\trequest="www.example"\n\treceive="192.0.2.1"\nvirtual=10.0.0.1:3128\n\treal=10.0.0.2:3128 gate\n\trequest="http://www.example/"\n`);
    assert.deepEqual(m.virtualServices.map((_, i) => checkOf(m, i).kind), ['mysql', 'pgsql', 'smtp', 'dns', 'http_proxy']);
    assert.equal(checkOf(m, 4).spec.url, 'http://www.example/');
    assert.equal(checkOf(m, 4).spec.followRedirects, true, 'check_http serves http_proxy too: the same LWP follows redirects');
  });

  it('checkport does not change the inferred service (ldirectord infers from the virtual port)', async () => {
    const m = await load('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tcheckport=3306\n');
    assert.equal(checkOf(m).kind, 'http');
    assert.equal(checkOf(m).target.port, 3306);
  });

  it('fwmark: a port-less real server is checked on the service port; one with its own port on that port', async () => {
    const m = await load('virtual=5\n\treal=10.0.0.2 gate\n\treal=10.0.0.3:8443 gate\n\tservice=https\n');
    assert.equal(checkOf(m, 0, 0).target.port, 443);
    assert.equal(checkOf(m, 0, 1).target.port, 8443);
  });

  it('what ldirectord cannot check is refused with the line: sql without login or query, radius without secret, dns without a name, oracle', async () => {
    assert.deepEqual(await errors('virtual=10.0.0.1:3306\n\treal=10.0.0.2:3306 gate\n'), ['ldirectord-' + (n - 1) + '.cf:1: service: service=mysql needs login= and request= (the query); ldirectord marks the server down without them']);
    assert.match((await errors('virtual=10.0.0.1:1812\n\tprotocol=udp\n\treal=10.0.0.2:1812 gate\n\tservice=radius\n'))[0]!, /:4: service: service=radius needs secret=/);
    assert.match((await errors('virtual=10.0.0.1:53\n\treal=10.0.0.2:53 gate\n'))[0]!, /service=dns needs request=/);
    assert.match((await errors('virtual=10.0.0.1:1521\n\treal=10.0.0.2:1521 gate\n'))[0]!, /service=oracle is not supported/);
  });

  it('httpmethod=HEAD with receive: the status alone, and a warning that ldirectord counts every server down then', async () => {
    // check_http matches receive against $res->content, which a HEAD reply does not have.
    const m = await load('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\thttpmethod=HEAD\n\treceive="ok"\n');
    assert.equal(checkOf(m).spec.method, 'HEAD');
    assert.ok(m.warnings.some((w) => /httpmethod=HEAD with receive: a HEAD reply has no body, so ldirectord's receive never matches/.test(w)), m.warnings.join('\n'));
    const empty = await load('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\thttpmethod=HEAD\n\treceive=".*"\n');
    assert.ok(!empty.warnings.some((w) => /httpmethod=HEAD with receive/.test(w)), 'a receive that matches an empty body passes in ldirectord too');
  });

  it('service=pop without login: checked by its greeting, and a warning that ldirectord counts every server up then', async () => {
    // check_pop: Mail::POP3Client->new returns an object even when it cannot connect, and login() is only called with a login.
    const bare = await load('virtual=10.0.0.1:110\n\treal=10.0.0.2:110 gate\n');
    assert.deepEqual([checkOf(bare).kind, checkOf(bare).spec.user], ['pop', undefined]);
    assert.ok(bare.warnings.some((w) => /:1: service=pop without login: ldirectord counts every server up/.test(w)), bare.warnings.join('\n'));
    const login = await load('virtual=10.0.0.1:110\n\treal=10.0.0.2:110 gate\n\tlogin="u"\n\tpasswd="p"\n');
    assert.deepEqual([checkOf(login).spec.user, login.warnings.some((w) => /without login/.test(w))], ['u', false]);
  });

  it('fallback6 belongs in virtual6 blocks and fallback in virtual blocks, as read_config insists', async () => {
    assert.match((await errors('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tfallback6=[::1]:80\n'))[0]!, /:3: fallback6: cannot specify "fallback6" here: use "fallback" instead/);
    const m = await load('virtual6=[2001:db8::1]:80\n\treal6=[2001:db8::2]:80 gate\n\tfallback6=[::1]:80\n');
    assert.deepEqual(sorryOf(m.virtualServices[0]!.sorryServer), { host: '::1', port: 80, forwarding: 'dr' });
  });
});

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}
