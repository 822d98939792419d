import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { modelFromImport } from '../../src/config/load.js';
import { importHaproxy } from '../../src/config/import/haproxy.js';
import type { Model } from '../../src/model/model.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { Monitor } from '../../src/engine/monitor.js';
import { Dante } from '../helpers/dante.js';
import { Haproxy } from '../helpers/haproxy.js';
import { waitFor } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';

/** This file's ports (21500-21999 belong to this work). */
const SOCKD = 21530;
const TRACKED = 21531;
const VIA_OK = 21532;
const VIA_BLOCKED = 21533;
const VIA_DEAD = 21534;
const TRACKER = 21535;
const OTHER = 21536;

/** `show stat`: each server's status (UP, DOWN, MAINT...) by backend/server, once no first check is pending. */
async function haproxyStatus(h: Haproxy): Promise<Map<string, string> | undefined> {
  const csv = await h.client.send('show stat -1 4 -1');
  const [head, ...rows] = csv.trim().split('\n');
  const f = head!.replace(/^# /, '').split(',');
  const col = (n: string) => f.indexOf(n);
  const out = new Map<string, string>();
  for (const v of rows.map((r) => r.split(','))) {
    const st = v[col('check_status')] ?? '';
    if (st.replace(/^\* /, '').startsWith('INI')) return undefined;
    out.set(`${v[col('pxname')]}/${v[col('svname')]}`, v[col('status')]!.split(' ')[0]!);
  }
  return out;
}

/** rsguard's view of the same file: its model, a monitor, and one round of its real probes applied. */
async function rsguardRound(model: Model, monitor: Monitor, at: number): Promise<void> {
  for (const [id, c] of model.checks) monitor.apply(id, await probe(c.kind, c.target, c.spec, 2000), at);
}

function serving(port: number): Promise<http.Server> {
  const s = http.createServer((_req, res) => res.writeHead(200).end('ok'));
  return new Promise((r) => s.listen(port, '127.0.0.1', () => r(s)));
}

describe('track and check-via-socks4: rsguard\'s verdicts are HAProxy 2.6\'s on the same servers', () => {
  const dante = new Dante(SOCKD, [VIA_OK, VIA_DEAD]);
  let haproxy: Haproxy;
  let model: Model;
  let monitor: Monitor;
  const servers = new Map<number, http.Server>();
  const events: MonitorEvent[] = [];

  before(async () => {
    await dante.start();
    for (const p of [TRACKED, VIA_OK, VIA_BLOCKED, TRACKER, OTHER]) servers.set(p, await serving(p));
    const socks = `socks4 127.0.0.1:${SOCKD} check-via-socks4 check inter 100ms rise 1 fall 1`;
    haproxy = new Haproxy(
      `backend be1
  option httpchk GET /
  server s2 127.0.0.1:${TRACKED} check inter 100ms rise 1 fall 1
  server s3 127.0.0.1:${TRACKER} track s2
backend be2
  server x 127.0.0.1:${OTHER} track be1/s3
backend via
  option httpchk GET /
  server ok 127.0.0.1:${VIA_OK} ${socks}
  server blocked 127.0.0.1:${VIA_BLOCKED} ${socks}
  server dead 127.0.0.1:${VIA_DEAD} ${socks}
`,
    );
    await haproxy.start();
    const r = importHaproxy('haproxy.cfg', haproxy.config());
    assert.deepEqual(r.errors, []);
    model = modelFromImport(r, 'haproxy.cfg', 'haproxy', false, haproxy.config());
    monitor = new Monitor(model, (e) => events.push(e), () => 0);
  });
  after(async () => {
    await haproxy?.close();
    for (const s of servers.values()) {
      s.closeAllConnections();
      s.close();
    }
    await dante.stop();
  });

  const rsguardHard = () => new Map([...monitor.serverRecords()].map((r) => [`${r.vs.name}/${String(r.rs.balancerOptions?.haproxyServer)}`, r.hardState === 'up' ? 'UP' : 'DOWN']));
  const settle = (want: (s: Map<string, string>) => boolean, what: string) =>
    waitFor(what, async () => {
      const s = await haproxyStatus(haproxy);
      return s && want(s) ? s : undefined;
    }, 10_000, 100);

  it('check-via-socks4 through the same Dante: up through a granted tunnel, down where Dante refuses or cannot connect (though the blocked server answers directly)', async () => {
    const h = await settle((s) => s.get('via/ok') === 'UP' && s.get('via/blocked') === 'DOWN' && s.get('via/dead') === 'DOWN', 'HAProxy: ok UP, blocked and dead DOWN');
    await rsguardRound(model, monitor, 1000);
    const r = rsguardHard();
    for (const s of ['ok', 'blocked', 'dead']) assert.equal(r.get(`via/${s}`), h.get(`via/${s}`), `via/${s}: HAProxy ${h.get(`via/${s}`)}, rsguard ${r.get(`via/${s}`)}`);
    // The blocked server answers a direct check: its DOWN is the proxy's doing, in both.
    assert.ok((await probe('http', { host: '127.0.0.1', port: VIA_BLOCKED }, {})).ok);
  });

  it('track: the tracking servers go down and come up with the tracked one, in HAProxy and in rsguard', async () => {
    await settle((s) => ['be1/s2', 'be1/s3', 'be2/x'].every((k) => s.get(k) === 'UP'), 'HAProxy: all UP');
    await rsguardRound(model, monitor, 2000);
    assert.deepEqual(['be1/s2', 'be1/s3', 'be2/x'].map((k) => rsguardHard().get(k)), ['UP', 'UP', 'UP']);

    // The tracked server dies; the trackers' own servers stay alive, so only following makes them DOWN.
    const tracked = servers.get(TRACKED)!;
    tracked.closeAllConnections();
    await new Promise<void>((r) => tracked.close(() => r()));
    servers.delete(TRACKED);
    const down = await settle((s) => s.get('be1/s2') === 'DOWN', 'HAProxy: s2 DOWN');
    const from = events.length;
    await rsguardRound(model, monitor, 3000);
    assert.deepEqual(['be1/s2', 'be1/s3', 'be2/x'].map((k) => down.get(k)), ['DOWN', 'DOWN', 'DOWN'], 'HAProxy');
    assert.deepEqual(['be1/s2', 'be1/s3', 'be2/x'].map((k) => rsguardHard().get(k)), ['DOWN', 'DOWN', 'DOWN'], 'rsguard');
    // One step: every server-hard of this round is stamped with the same moment.
    assert.deepEqual([...new Set(events.slice(from).filter((e) => e.type === 'server-hard').map((e) => e.at))], [3000]);
    assert.ok((await probe('http', { host: '127.0.0.1', port: TRACKER }, {})).ok, 'the tracker\'s own server is alive');

    servers.set(TRACKED, await serving(TRACKED));
    const up = await settle((s) => s.get('be1/s2') === 'UP', 'HAProxy: s2 UP again');
    await rsguardRound(model, monitor, 4000);
    assert.deepEqual(['be1/s2', 'be1/s3', 'be2/x'].map((k) => up.get(k)), ['UP', 'UP', 'UP'], 'HAProxy');
    assert.deepEqual(['be1/s2', 'be1/s3', 'be2/x'].map((k) => rsguardHard().get(k)), ['UP', 'UP', 'UP'], 'rsguard');
  });
});
