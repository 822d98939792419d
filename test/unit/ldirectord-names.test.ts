import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { importLdirectord } from '../../src/config/import/ldirectord.js';
import type { Lookup } from '../../src/lib/name-lookup.js';
import { modelFromImport } from '../../src/config/load.js';
import { movedServers, nameChanges } from '../../src/engine/resolve-again.js';

/**
 * Real-server host names of ldirectord.cf. ldirectord resolves them in
 * read_config (_ld_read_config_real_resolve, ld_gethostbyname: getaddrinfo
 * in the virtual's family, the first answer) and refuses the whole file when
 * one does not resolve (config_error "could not resolve host"), so one
 * missing DNS record keeps the director from starting. rsguard starts with
 * the other servers and asks the name again (issue 22, item 7).
 */
const FILE = '/etc/ha.d/ldirectord.cf';
const CF = `checktimeout=3
virtual=192.0.2.10:80
\treal=web1.example:80 masq
\treal=web2.example:80 masq
\treal=192.0.2.23:80 masq
\tchecktype=connect
`;

/** A lookup from a table; a name not in it is NXDOMAIN, as getaddrinfo gives it. */
function table(t: Record<string, string>, asked: string[] = []): Lookup {
  return async ({ name }) => {
    asked.push(name);
    if (t[name]) return [t[name]];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}

const servers = (input: Record<string, unknown>) => (input.virtualServices as Array<{ realServers: Array<{ address: string }> }>)[0]!.realServers.map((r) => r.address);

describe('ldirectord.cf real servers given by a name that does not resolve', () => {
  it('_ld_read_config_real_resolve refuses the file; rsguard starts with the others, leaves that one out with a warning on its line, and asks again', async () => {
    const r = await importLdirectord(FILE, CF, { ask: table({ 'web1.example': '192.0.2.21' }) });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(servers(r.input), ['192.0.2.21:80', '192.0.2.23:80']);
    assert.equal(r.tolerated?.length, 1);
    const t = r.tolerated![0]!;
    assert.deepEqual([t.line, t.path], [4, 'real']);
    assert.match(t.message, /invalid address \(web2\.example\) for real server \(could not resolve host: ENOTFOUND\)/);
    assert.deepEqual(Object.fromEntries(r.hostNames!.answers), { 'ipv4|web1.example': ['192.0.2.21'], 'ipv4|web2.example': [] });
    assert.equal(r.hostNames!.everyMs, 10_000);
    // It loads, the warning naming the line; check-config --strict refuses it.
    const m = modelFromImport(r, FILE, 'ldirectord', false, CF);
    assert.deepEqual(m.virtualServices[0]!.realServers.map((s) => s.key), ['192.0.2.21:80', '192.0.2.23:80']);
    assert.ok(m.warnings.some((w) => w.includes(`${FILE}:4`) && w.includes('web2.example')));
    assert.equal(m.hostNames?.everyMs, 10_000);
    assert.throws(() => modelFromImport(r, FILE, 'ldirectord', true, CF), (e: unknown) => e instanceof ConfigError && e.issues.some((i) => formatIssue(i).startsWith(`${FILE}:4: real:`)));
  });

  it('every name resolves: nothing is asked again (ld_gethostbyname runs at load only)', async () => {
    const r = await importLdirectord(FILE, CF, { ask: table({ 'web1.example': '192.0.2.21', 'web2.example': '192.0.2.22' }) });
    assert.deepEqual(r.tolerated, []);
    assert.deepEqual(servers(r.input), ['192.0.2.21:80', '192.0.2.22:80', '192.0.2.23:80']);
    assert.equal(r.hostNames!.everyMs, undefined);
  });

  it('asking again: a name that resolved keeps its address unasked, the one that failed is asked and its server added', async () => {
    const asked: string[] = [];
    const previous = new Map([['ipv4|web1.example', ['192.0.2.21']], ['ipv4|web2.example', []]]);
    const r = await importLdirectord(FILE, CF, { previous, ask: table({ 'web1.example': '198.51.100.1', 'web2.example': '192.0.2.22' }, asked) });
    assert.deepEqual(asked, ['web2.example']);
    assert.deepEqual(servers(r.input), ['192.0.2.21:80', '192.0.2.22:80', '192.0.2.23:80']);
    assert.equal(r.hostNames!.everyMs, undefined);
  });

  it('the names are looked up all at once, not one after another', async () => {
    // Answers only once all three names are asked: one-by-one lookups would wait the timeout on the first and fail them all.
    const waiting: Array<() => void> = [];
    const ask: Lookup = ({ name }) =>
      new Promise((resolve) => {
        waiting.push(() => resolve([`192.0.2.${name.length}`]));
        if (waiting.length === 3) for (const go of waiting) go();
      });
    const cf = 'virtual=192.0.2.10:80\n\treal=a.example:80 masq\n\treal=bb.example:80 masq\n\treal=ccc.example:80 masq\n';
    const r = await importLdirectord(FILE, cf, { ask, timeoutMs: 2000 });
    assert.deepEqual(r.tolerated, []);
    assert.deepEqual(servers(r.input), ['192.0.2.9:80', '192.0.2.10:80', '192.0.2.11:80']);
  });

  it('a lookup that never answers is given up after the bound, as a name that does not resolve', async () => {
    const ask: Lookup = ({ name }) => (name === 'web2.example' ? new Promise<string[]>(() => undefined) : Promise.resolve(['192.0.2.21']));
    const r = await importLdirectord(FILE, CF, { ask, timeoutMs: 50 });
    assert.deepEqual(servers(r.input), ['192.0.2.21:80', '192.0.2.23:80']);
    assert.match(r.tolerated![0]!.message, /could not resolve host: no answer within 50 ms/);
  });

  it('a virtual or fallback name that does not resolve still refuses the file: there is no service without its address (_ld_read_config_fallback_resolve, ld_gethostbyname of the virtual)', async () => {
    const ask = table({});
    const v = await importLdirectord(FILE, 'virtual=vip.example:80\n\treal=192.0.2.23:80 masq\n', { ask });
    assert.deepEqual(v.errors.map((e) => [e.line, e.path]), [[1, 'virtual']]);
    assert.match(v.errors[0]!.message, /cannot resolve "vip\.example": ENOTFOUND/);
    const f = await importLdirectord(FILE, 'virtual=192.0.2.10:80\n\treal=192.0.2.23:80 masq\n\tfallback=sorry.example:80\n', { ask });
    assert.deepEqual(f.errors.map((e) => [e.line, e.path]), [[3, 'fallback']]);
  });

  it('asked again by the daemon: the server appears with its address (movedServers), and the name is logged once when it fails and once when it resolves (nameChanges)', async () => {
    const load = async (t: Record<string, string>, previous?: ReadonlyMap<string, readonly string[]>) => modelFromImport(await importLdirectord(FILE, CF, { ask: table(t), ...(previous ? { previous } : {}) }), FILE, 'ldirectord', false, CF);
    const start = await load({ 'web1.example': '192.0.2.21' });
    assert.deepEqual(nameChanges(undefined, start), { failing: [{ name: 'web2.example', lookup: 'ipv4|web2.example' }], resolved: [] });
    const still = await load({ 'web1.example': '192.0.2.21' }, start.hostNames!.answers);
    assert.deepEqual(movedServers(start, still), []);
    assert.deepEqual(nameChanges(start, still), { failing: [], resolved: [] });
    const now = await load({ 'web1.example': '192.0.2.21', 'web2.example': '192.0.2.22' }, still.hostNames!.answers);
    const vs = start.virtualServices[0]!.name;
    assert.deepEqual(movedServers(still, now), [{ vs, server: '192.0.2.22:80', to: '192.0.2.22:80' }]);
    assert.deepEqual(nameChanges(still, now), { failing: [], resolved: [{ name: 'web2.example', lookup: 'ipv4|web2.example', addresses: ['192.0.2.22'] }] });
    assert.equal(now.hostNames!.everyMs, undefined);
  });
});
