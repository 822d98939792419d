import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { execFile } from 'node:child_process';

/** The CLI as a child without blocking this process, which hosts the real servers. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, encoding: 'utf8' }, (err, stdout, stderr) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { Haproxy } from '../helpers/haproxy.js';
import { freePort, waitFor } from '../helpers/ports.js';

const TOKEN = 'test-token-0123456789abcdef';

describe('HAProxy actuator against a real HAProxy 2.6', () => {
  let dir: string;
  let api: number;
  let front: number;
  let b1: Backend;
  let b2: Backend;
  let sorry: Backend;
  let haproxy: Haproxy;
  let daemon: DaemonProcess;

  const states = () => haproxy.summary('web');
  const until = (what: string, want: Record<string, string>) => haproxy.until(what, 'web', want, 10_000);
  const viaFrontend = async () => (await fetch(`http://127.0.0.1:${front}/`)).text();
  const status = async () => (await fetch(`http://127.0.0.1:${api}/api/status`)).json() as Promise<{ balancer: { ok: boolean; problems: Array<{ vs: string; message: string }> }; virtualServices: Array<{ sorryServerActive: boolean }> }>;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-hap-'));
    api = await freePort();
    front = await freePort();
    b1 = new Backend(await freePort(), 'backend one');
    b2 = new Backend(await freePort(), 'backend two');
    sorry = new Backend(await freePort(), 'sorry page');
    for (const b of [b1, b2, sorry]) await b.start();
    // No `check` on servers rsguard drives: HAProxy's own checks would undo its decisions.
    haproxy = new Haproxy(`frontend fe\n  bind 127.0.0.1:${front}\n  default_backend web\nbackend web\n  balance roundrobin\n  server s1 127.0.0.1:${b1.port} weight 3\n  server s2 127.0.0.1:${b2.port}\n  server sorry 127.0.0.1:${sorry.port}\n  server other 127.0.0.1:9 disabled\nbackend dry\n  server s1 127.0.0.1:${b1.port} weight 3\n`);
    await haproxy.start();
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(
      file,
      `global:
  listen: 127.0.0.1:${api}
  apiToken: ${TOKEN}
  startupSpread: 50ms
  checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 2, rise: 1 }
balancer: { kind: haproxy, socket: ${haproxy.socket}, reconcileInterval: 500ms }
virtualServices:
  - name: web
    address: 192.0.2.1:80
    haproxy: { backend: web }
    sorryServer: { address: 127.0.0.1:${sorry.port}, haproxyServer: sorry }
    checks: [{ kind: http, path: /health }]
    realServers:
      - { address: 127.0.0.1:${b1.port}, weight: 3 }
      - { address: 127.0.0.1:${b2.port}, weight: 2, haproxyServer: s2 }
  - name: typo
    address: 192.0.2.1:81
    haproxy: { backend: no-such-backend }
    realServers:
      - { address: 127.0.0.1:${b1.port} }
`,
    );
    daemon = new DaemonProcess(['run', '-c', file]);
    await daemon.waitForLog('start', (l) => l.msg === 'rsguard started');
  });
  after(async () => {
    await daemon.stop();
    await haproxy.close();
    for (const b of [b1, b2, sorry]) await b.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('brings the backend to the configured weights, the sorry server to maint, and leaves unknown servers alone', async () => {
    const s = await until('initial pool', { s1: 'ready/3', s2: 'ready/2', sorry: 'maint/1' });
    assert.equal(s.other, 'maint/1', 'a server rsguard does not know keeps its state');
    assert.match(await viaFrontend(), /backend (one|two)/);
  });

  it('a killed real server goes to maint', async () => {
    await b2.kill();
    await until('s2 out', { s2: 'maint/2', s1: 'ready/3', sorry: 'maint/1' });
  });

  it('all real servers down: the sorry server comes in and serves the frontend', async () => {
    await b1.kill();
    await until('sorry in', { s1: 'maint/3', s2: 'maint/2', sorry: 'ready/1' });
    assert.equal(await viaFrontend(), 'sorry page');
    assert.equal((await status()).virtualServices[0]!.sorryServerActive, true);
    assert.ok(daemon.logs.some((l) => l.msg === 'sorry server in'));
  });

  it('one back: the sorry server leaves', async () => {
    await b1.start();
    await until('sorry out', { s1: 'ready/3', sorry: 'maint/1' });
    assert.equal(await viaFrontend(), 'backend one');
  });

  it('a change made by hand is reconciled back', async () => {
    await haproxy.client.send('set server web/s1 state drain;set server web/s1 weight 7');
    await until('repaired', { s1: 'ready/3' });
  });

  it('write endpoints refuse a missing or wrong token and bad input, and change nothing', async () => {
    const post = (body: unknown, token?: string) =>
      fetch(`http://127.0.0.1:${api}/api/drain`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const rs = `127.0.0.1:${b1.port}`;
    assert.equal((await post({ vs: 'web', rs })).status, 401);
    assert.equal((await post({ vs: 'web', rs }, 'wrong-token-0123456789abc')).status, 401);
    assert.equal((await post({ vs: 'web' }, TOKEN)).status, 400);
    assert.equal((await post('{not json', TOKEN)).status, 400);
    const missing = await post({ vs: 'web', rs: '10.9.9.9:80' }, TOKEN);
    assert.deepEqual([missing.status, ((await missing.json()) as { error: string }).error], [404, 'no real server "10.9.9.9:80" in web']);
    assert.deepEqual(await states().then((s) => s.s1), 'ready/3');
  });

  it('rsguard drain --wait waits for active connections to finish; undrain puts the server back', async () => {
    const rs = `127.0.0.1:${b1.port}`;
    const env = { ...process.env, RSGUARD_TOKEN: TOKEN };
    // s2 is down: a slow request through the frontend is held by s1.
    const slow = fetch(`http://127.0.0.1:${front}/slow`).then((r) => r.text());
    await waitFor('slow request on s1', async () => ((await haproxy.client.send('show stat web 4 -1')).includes(',s1,0,0,1,') ? true : undefined), 5000, 20);
    const short = await run([CLI, 'drain', 'web', rs, '--url', `http://127.0.0.1:${api}`, '--wait', '0.5'], env);
    assert.equal(short.status, 1, short.stdout + short.stderr);
    assert.match(short.stderr, /still has 1 active connections after 0.5 s/);
    await until('s1 drained', { s1: 'drain/3' });
    const long = await run([CLI, 'drain', 'web', rs, '--url', `http://127.0.0.1:${api}`, '--wait', '10'], env);
    assert.equal(long.status, 0, long.stderr);
    assert.match(long.stdout, /no active connections/);
    assert.equal(await slow, 'backend one');
    const doc = (await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()) as { virtualServices: Array<{ realServers: Array<{ port: number; drained: boolean; weight: number }> }> };
    assert.deepEqual(doc.virtualServices[0]!.realServers.filter((r) => r.port === b1.port).map((r) => [r.drained, r.weight]), [[true, 0]]);
    const undrain = await run([CLI, 'undrain', 'web', rs, '--url', `http://127.0.0.1:${api}`], env);
    assert.equal(undrain.status, 0, undrain.stderr);
    await until('s1 back', { s1: 'ready/3' });
  });

  it('--dry-run logs the runtime API commands and changes nothing', async () => {
    // A backend of its own: on web the other daemon's repair would undo a weight the dry run wrongly wrote.
    const dryFile = path.join(dir, 'dry.yaml');
    const dryApi = await freePort();
    writeFileSync(dryFile, `global: { listen: 127.0.0.1:${dryApi}, startupSpread: 10ms, checkDefaults: { interval: 200ms, timeout: 150ms, fall: 1 } }
balancer: { kind: haproxy, socket: ${haproxy.socket}, reconcileInterval: 200ms }
virtualServices:
  - name: dry
    address: 192.0.2.1:80
    haproxy: { backend: dry }
    checks: [{ kind: http, path: /health }]
    realServers:
      - { address: 127.0.0.1:${b1.port}, weight: 9 }
`);
    const dry = new DaemonProcess(['run', '-c', dryFile, '--dry-run']);
    try {
      const planned = (l: { msg: string; command?: unknown }) => l.msg === 'balancer change not applied' && String(l.command).includes('weight 9');
      const line = await dry.waitForLog('dry-run plan', planned);
      assert.deepEqual([line.command, line.applied], ['set server dry/s1 weight 9', false]);
      // Planned again by the repair 200 ms on: still not written, and nobody else writes this backend.
      await waitFor('a second dry-run plan', () => (dry.logs.filter(planned).length >= 2 ? true : undefined), 5000);
      assert.equal((await haproxy.state('dry')).find((x) => x.name === 's1')!.weight, 3, 'the weight was never written');
    } finally {
      await dry.stop();
    }
  });

  it('an unknown backend is a configuration problem shown in /api/status, not a crash', async () => {
    const s = await waitFor('problem shown', async () => {
      const doc = await status();
      return doc.balancer.problems.length ? doc : undefined;
    });
    assert.equal(s.balancer.ok, false);
    assert.deepEqual(s.balancer.problems.map((p) => [p.vs, p.message]), [['typo', 'No such backend "no-such-backend" in HAProxy']]);
    assert.ok(daemon.logs.some((l) => l.msg === 'balancer configuration problem' && l.vs === 'typo'));
  });

  it('while the socket is down the desired pool is kept and applied once HAProxy is back', async () => {
    await haproxy.stop();
    await b2.start();
    await daemon.waitForLog('reconcile failed', (l) => l.msg === 'balancer reconcile failed, keeping the desired pool');
    await haproxy.start(); // a fresh HAProxy: every server ready at its config weight
    await until('converged after restart', { s1: 'ready/3', s2: 'ready/2', sorry: 'maint/1' });
  });
});
