import assert from 'node:assert/strict';
import { request } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/ports.js';
import { recordFault } from './fault-rows.js';
import { removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { seededRandom } from '../helpers/seeded-random.js';

const TOKEN = 'fuzz-token-0123456789abcdef';

/** One raw request, so bodies and headers can be anything (fetch would refuse some). */
function send(port: number, method: string, urlPath: string, headers: Record<string, string>, body: Buffer | string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    // A server that answers 413 to a huge body and closes while it is still being sent: a refusal, not a crash.
    req.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve(0) : reject(err)));
    req.end(body);
  });
}

const { rand, pick } = seededRandom(0x1234abcd);

describe('write API fuzzed: bad tokens, malformed and huge bodies, unknown targets', () => {
  let dir: string;
  let api: number;
  let backend: Backend;
  let daemon: DaemonProcess;
  /** What a write could change: drains, the pool, VRRP state; minus the clock. */
  const snapshot = async () => {
    const doc = (await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()) as { virtualServices: Array<{ realServers: Array<Record<string, unknown>> }> };
    const pools = doc.virtualServices.map((v) => v.realServers.map((r) => [r.address, r.port, r.weight, r.drained, r.inPool, r.hardState]));
    const metrics = (await (await fetch(`http://127.0.0.1:${api}/metrics`)).text()).split('\n').filter((l) => l.startsWith('rsguard_vrrp'));
    const events = ((await (await fetch(`http://127.0.0.1:${api}/api/events`)).json()) as { events: unknown[] }).events.length;
    return JSON.stringify({ pools, metrics, events });
  };

  before(async () => {
    dir = testDir('apifuzz');
    backend = new Backend(await freePort());
    await backend.start();
    ({ daemon, api } = await runDaemon(
      dir,
      (port) => `global: { listen: 127.0.0.1:${port}, apiToken: ${TOKEN}, startupSpread: 50ms, checkDefaults: { interval: 5s } }
notify: { vrrpSpoolDir: ${path.join(dir, 'vrrp')} }
virtualServices:
  - { name: web, address: 10.0.0.1:80, checks: [{ kind: tcp }], realServers: [{ address: 127.0.0.1:${backend.port} }] }
`,
    ));
  });
  after(async () => {
    await daemon?.stop();
    await backend?.kill();
    removeDir(dir);
  });

  it('2,000 hostile requests: no 5xx, nothing changed; the control request does change it', async () => {
    const before = await snapshot();
    const good = `Bearer ${TOKEN}`;
    const auths = ['', 'Bearer', 'Bearer ', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${Buffer.from(`a:${TOKEN}`).toString('base64')}`, `bearer  ${'x'.repeat(8000)}`, `Bearer ${TOKEN} extra`, good, good, good];
    const bodies: Array<string | Buffer> = [
      '', '{', 'null', '[]', '"x"', '1e999', '{"vs":"web"}', '{"vs":"web","rs":"127.0.0.1:1"}', '{"vs":"nope","rs":"127.0.0.1:80"}', '{"vs":"","rs":""}',
      `{"vs":"web","rs":"127.0.0.1:${backend.port}","extra":1}`, `{"vs":${'['.repeat(5000)}}`, '{"kind":"INSTANCE","name":"VI_X","state":"EXPLODED","priority":100}',
      '{"kind":"NOPE","name":"VI_X","state":"MASTER"}', '{"kind":"INSTANCE","name":"' + 'n'.repeat(100) + '","state":"MASTER"}', '{"__proto__":{"vs":"web"}}',
      Buffer.alloc(200 * 1024, 0x7b), Buffer.from([0xff, 0xfe, 0x00, 0x7b]), JSON.stringify({ vs: 'web', rs: '\u0000' }),
    ];
    const types = ['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', ''];
    const paths = ['/api/drain', '/api/undrain', '/api/vrrp', '/api/drain?vs=web', '/api/../api/drain', '/api/connections?vs=web&rs=' + encodeURIComponent('127.0.0.1:1')];
    const codes = new Map<number, number>();
    const N = 2000;
    for (let k = 0; k < N; k++) {
      const auth = pick(auths);
      let body = pick(bodies);
      // With the good token, never the one body that is valid: this loop must not change anything.
      if (auth === good && typeof body === 'string' && body.includes(`127.0.0.1:${backend.port}"}`) && !body.includes('extra')) body = '{';
      const headers: Record<string, string> = {};
      if (auth) headers.authorization = auth;
      const type = pick(types);
      if (type) headers['content-type'] = type;
      const status = await send(api, pick(['POST', 'POST', 'PUT', 'GET']), pick(paths), headers, body);
      codes.set(status, (codes.get(status) ?? 0) + 1);
    }
    const fivexx = [...codes].filter(([c]) => c >= 500);
    process.stdout.write(`# api fuzz: ${N} requests, status codes ${JSON.stringify(Object.fromEntries(codes))}\n`);
    assert.deepEqual(fivexx, []);
    assert.equal((await fetch(`http://127.0.0.1:${api}/healthz`)).status, 200, 'the daemon still answers');
    assert.equal(await snapshot(), before, 'a hostile request changed the pool, a drain or VRRP state');
    // Control: the one valid request does change the snapshot, so the comparison above can fail.
    const ok = await send(api, 'POST', '/api/drain', { authorization: good, 'content-type': 'application/json' }, JSON.stringify({ vs: 'web', rs: `127.0.0.1:${backend.port}` }));
    assert.equal(ok, 200);
    assert.notEqual(await snapshot(), before);
    recordFault({ fault: 'write API fuzz (tokens, bodies, targets)', tried: N, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: fivexx.length, note: 'no 5xx, nothing changed' });
  });
});
