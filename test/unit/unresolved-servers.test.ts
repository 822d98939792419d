import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { importLdirectord } from '../../src/config/import/ldirectord.js';
import { importHaproxyResolved } from '../../src/config/import/haproxy.js';
import { loadConfig, modelFromImport } from '../../src/config/load.js';
import type { Model } from '../../src/model/model.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { Monitor } from '../../src/engine/monitor.js';
import { askNamesAgain } from '../../src/engine/resolve-again.js';
import { LOOKUP_TIMEOUT_MS, resolveAll, type Lookup, type NameQuery } from '../../src/lib/name-lookup.js';
import { composeMail } from '../../src/notify/mail-composer.js';

/**
 * A real server whose host name gives no address (issue 22, item 7): listed
 * as a check error "unresolved" (neither up nor down, in no pool), alerted
 * once when the first appears and once when the last resolves, whatever the
 * number of retries in between; and asking again asks the names only.
 */
const FILE = '/etc/ha.d/ldirectord.cf';
const CF = 'checktimeout=3\nvirtual=192.0.2.10:80\n\treal=web1.example:80 masq\n\treal=web2.example:80 masq\n\treal=192.0.2.23:80 masq\n\tchecktype=connect\n';

function table(t: Record<string, string>, asked: string[] = []): Lookup {
  return async ({ name }) => {
    asked.push(name);
    if (t[name]) return [t[name]];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}

const load = async (t: Record<string, string>, previous?: ReadonlyMap<string, readonly string[]>): Promise<Model> => modelFromImport(await importLdirectord(FILE, CF, { ask: table(t), ...(previous ? { previous } : {}) }), FILE, 'ldirectord', false, CF);

describe('real servers whose name gives no address', () => {
  it('the model names them by virtual service, name and port; the answers wait on their key', async () => {
    const m = await load({ 'web1.example': '192.0.2.21' });
    assert.deepEqual(m.hostNames?.unresolved, [{ vs: m.virtualServices[0]!.key, name: 'web2.example', port: 80, lookup: 'ipv4|web2.example' }]);
    assert.deepEqual(m.virtualServices[0]!.realServers.map((r) => r.key), ['192.0.2.21:80', '192.0.2.23:80']);
    assert.equal(m.hostNames?.text, CF, 'kept while names are asked again');
  });

  it('a check error "unresolved": one alert for the first, none per retry or for a second name, one (with the address) when the last resolves', async () => {
    const events: MonitorEvent[] = [];
    const start = await load({});
    const monitor = new Monitor(start, (e) => events.push(e), () => 1000);
    assert.deepEqual(events, [], 'nothing before the sinks listen');
    monitor.start();
    assert.deepEqual(events, [{ type: 'check-error', at: 1000, reason: 'unresolved', active: true, checks: 1, check: `web1.example:80 in ${start.virtualServices[0]!.name}`, detail: 'unresolved web1.example' }]);
    assert.deepEqual(monitor.checkErrors(), new Map([['unresolved', 2]]));
    assert.deepEqual(monitor.unresolvedServers(start.virtualServices[0]!.key).map((u) => [u.name, u.port, u.since]), [['web1.example', 80, 1000], ['web2.example', 80, 1000]]);
    // Retries that change nothing: no event.
    for (let i = 0; i < 3; i++) monitor.reload(await load({}, monitor.current.hostNames!.answers));
    assert.equal(events.length, 1);
    // One resolves: still erroring (the other), no event; its server is a real server now.
    monitor.reload(await load({ 'web1.example': '192.0.2.21' }, monitor.current.hostNames!.answers));
    assert.equal(events.length, 1);
    assert.deepEqual(monitor.checkErrors(), new Map([['unresolved', 1]]));
    monitor.reload(await load({ 'web1.example': '192.0.2.21', 'web2.example': '192.0.2.22' }, monitor.current.hostNames!.answers));
    assert.equal(events.length, 2);
    assert.deepEqual(events[1], { type: 'check-error', at: 1000, reason: 'unresolved', active: false, checks: 0, check: `web2.example:80 in ${start.virtualServices[0]!.name}`, detail: 'web2.example resolves to 192.0.2.22' });
    assert.deepEqual(monitor.checkErrors(), new Map());
    assert.deepEqual(monitor.unresolvedServers(start.virtualServices[0]!.key), []);
  });

  it('the mail says the name gives no address, and which address it gives when it resolves', () => {
    const down = composeMail([{ id: 'a', at: 0, kind: 'check-error', check: 'web2.example:80 in vs', reason: 'unresolved web2.example', checkError: { reason: 'unresolved', checks: 1 } }], 'lb1', '');
    assert.match(down.subject, /cannot resolve a real server's name - left out of the pool until it resolves/);
    assert.match(down.text, /web2\.example:80 in vs: unresolved web2\.example, its host name gives no address/);
    const up = composeMail([{ id: 'b', at: 0, kind: 'check-error-cleared', check: null, reason: 'web2.example resolves to 192.0.2.22', checkError: { reason: 'unresolved', checks: 0 } }], 'lb1', '');
    assert.match(up.text, /\(unresolved\) run again \(web2\.example resolves to 192\.0\.2\.22\)/);
  });

  it('haproxy.cfg: a name with init-addr none that gives no address is an unresolved server of its backend, kept even when it has no other server (a backup stays HAProxy\'s)', async () => {
    const text = 'global\n  stats socket /run/h.sock level admin\nresolvers dns\n  nameserver ns1 127.0.0.1:5353\nbackend b\n  server web1 web1.example:80 check resolvers dns init-addr none\n  server bk bk.example:80 check backup init-addr none\n';
    const r = await importHaproxyResolved('h.cfg', text, undefined, async () => []);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.hostNames.unresolved, [{ vs: 0, name: 'web1.example', port: 80, lookup: 'resolvers:dns:ipv6|web1.example' }]);
    const m = modelFromImport(r, 'h.cfg', 'haproxy', false, text);
    assert.deepEqual(m.hostNames?.unresolved?.map((u) => [u.vs, u.name]), [[m.virtualServices[0]!.key, 'web1.example']]);
    assert.equal(m.virtualServices[0]!.realServers.length, 0);
  });
});

describe('asking the names again (ResolveAgain)', () => {
  const q = (name: string, again: NameQuery['again']): NameQuery => ({ name, family: 4, again });
  it('asks only the names that are asked again, and says undefined when no answer changed', async () => {
    const queries = new Map([
      ['ipv4|always.example', q('always.example', 'always')],
      ['ipv4|failing.example', q('failing.example', 'failing')],
      ['ipv4|resolved.example', q('resolved.example', 'failing')],
      ['ipv4|never.example', q('never.example', 'never')],
    ]);
    const answers = new Map([
      ['ipv4|always.example', ['10.0.0.1']],
      ['ipv4|failing.example', []],
      ['ipv4|resolved.example', ['10.0.0.3']],
      ['ipv4|never.example', []],
    ]);
    const asked: string[] = [];
    assert.equal(await askNamesAgain({ answers, queries }, table({ 'always.example': '10.0.0.1' }, asked)), undefined);
    assert.deepEqual(asked.sort(), ['always.example', 'failing.example']);
    const fresh = await askNamesAgain({ answers, queries }, table({ 'always.example': '10.0.0.9', 'failing.example': '10.0.0.2' }));
    assert.deepEqual(Object.fromEntries(fresh!), { 'ipv4|always.example': ['10.0.0.9'], 'ipv4|failing.example': ['10.0.0.2'], 'ipv4|resolved.example': ['10.0.0.3'], 'ipv4|never.example': [] });
  });

  it('one bound for every lookup, ldirectord\'s and HAProxy\'s alike: a resolvers lookup that never answers fails at the bound', async () => {
    const dns = { id: 'dns', holdValidMs: 10_000, nameservers: [] };
    const began = Date.now();
    const got = await resolveAll([{ name: 'hung.example', prefer: 'ipv4', resolvers: dns, again: 'always' }], undefined, () => new Promise<string[]>(() => undefined), 50);
    assert.deepEqual([...got], [['resolvers:dns:ipv4|hung.example', []]]);
    assert.ok(Date.now() - began < 1000);
    assert.equal(LOOKUP_TIMEOUT_MS, 5000);
  });

  it('the new answers are built into the text the running model came from, not into what the file says now', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-names-again-'));
    try {
      const file = path.join(dir, 'ldirectord.cf');
      // The file was edited meanwhile (a new real): that waits for a reload.
      writeFileSync(file, `${CF}\treal=192.0.2.99:80 masq\n`);
      const running = await load({ 'web1.example': '192.0.2.21' });
      const answers = new Map([...running.hostNames!.answers, ['ipv4|web2.example', ['192.0.2.22']]]);
      const next = await loadConfig(file, 'ldirectord', { text: running.hostNames!.text!, hostNames: { ...running.hostNames!, answers }, namesAnswered: true });
      assert.deepEqual(next.virtualServices[0]!.realServers.map((r) => r.key), ['192.0.2.21:80', '192.0.2.22:80', '192.0.2.23:80']);
      assert.deepEqual(next.hostNames?.unresolved, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
