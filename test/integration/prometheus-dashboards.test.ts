import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess, ROOT } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { panelsPage, type PanelSeries } from '../helpers/panel-plots.js';
import { launchChromium } from '../helpers/chromium.js';
import { saturatePhpFpm, startPhpFpm, type PhpFpm } from '../helpers/php-fpm.js';
import { Haproxy } from '../helpers/haproxy.js';
import { App, traffic } from '../helpers/http-traffic.js';

const TOKEN = 'prom-test-token-0123456789';
// A php-fpm pool with its status on pm.status_listen, from the fpmstatus helper's port range.
const FPM_PORT = 24560;
const FPM_STATUS_PORT = 24561;

/** Every `expr` in a Grafana dashboard, with its panel title. */
function panelQueries(file: string): Array<{ title: string; expr: string }> {
  const out: Array<{ title: string; expr: string }> = [];
  const walk = (panels: Array<Record<string, unknown>>) => {
    for (const p of panels) {
      for (const t of (p.targets as Array<{ expr?: string }> | undefined) ?? []) if (t.expr) out.push({ title: String(p.title), expr: t.expr });
      if (Array.isArray(p.panels)) walk(p.panels as Array<Record<string, unknown>>);
    }
  };
  walk((JSON.parse(readFileSync(file, 'utf8')) as { panels: Array<Record<string, unknown>> }).panels);
  return out;
}

/** A real server whose /health says yes and no in turn while `flapping` is set. */
function flapper(port: number): { server: http.Server; flapping: { on: boolean } } {
  const flapping = { on: true };
  let n = 0;
  const server = http.createServer((_q, r) => r.writeHead(flapping.on && n++ % 2 ? 503 : 200).end('ok'));
  server.listen(port, '127.0.0.1');
  return { server, flapping };
}

/**
 * A real Prometheus (Debian's) scrapes a real rsguard (distributed mode, with
 * a worker, a real SMTP sink) over a loopback farm that goes up, down,
 * flapping, drained, onto the sorry server, with a VRRP master moving and a
 * check that cannot run. Every dashboard panel's query must return series,
 * and the alert rules (the shipped expressions; `for:` shortened to 1s for the
 * test) must fire, and the ones the scenario can undo must resolve. Two are
 * left to their promtool tests (alerts/rsguard.rules.test.yml):
 * RsguardNotChecking needs five minutes without results (a rate over 5m), and
 * RsguardBalancerFailing a balancer that fails (this farm runs kind none).
 */
describe('dashboards and alert rules evaluated by a real Prometheus', () => {
  let dir: string;
  let api: number;
  let prom: number;
  let prometheus: ChildProcess;
  let daemon: DaemonProcess;
  let worker: DaemonProcess;
  let smtp: SmtpSink;
  let a: Backend;
  let b: Backend;
  let sorry: Backend;
  let flap: ReturnType<typeof flapper>;
  let fpm: PhpFpm;
  // HAProxy's passive health needs the haproxy balancer: a second rsguard (embedded, its own scrape job so the
  // RsguardDown rule's job="rsguard" is the first one alone) drives a real HAProxy whose traffic gets 500s from a
  // server that stays healthy to its checks: errors and on-error actions counted, nothing taken out.
  let passiveApp: App;
  let passiveHaproxy: Haproxy;
  let passiveDaemon: DaemonProcess;
  let passiveTraffic: ReturnType<typeof traffic>;
  const query = async (expr: string) => {
    const r = (await (await fetch(`http://127.0.0.1:${prom}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { status: string; error?: string; data?: { result: unknown[] } };
    if (r.status !== 'success') throw new Error(`${expr}: ${r.error}`);
    return r.data!.result;
  };
  const firing = async () => ((await (await fetch(`http://127.0.0.1:${prom}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: { alertname: string }; state: string }> } }).data.alerts.filter((x) => x.state === 'firing').map((x) => x.labels.alertname);
  const post = (p: string, body: unknown) => fetch(`http://127.0.0.1:${api}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-prom-'));
    [api, prom] = [await freePort(), await freePort()];
    smtp = new SmtpSink(await freePort());
    await smtp.start();
    [a, b, sorry] = [new Backend(await freePort(), 'a'), new Backend(await freePort(), 'b'), new Backend(await freePort(), 'sorry')];
    for (const x of [a, b, sorry]) await x.start();
    const flapPort = await freePort();
    flap = flapper(flapPort);
    fpm = await startPhpFpm(FPM_PORT, { statusListen: FPM_STATUS_PORT });
    const prefix = `rsg-prom-${randomBytes(4).toString('hex')}`;
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(
      file,
      `global:
  listen: 127.0.0.1:${api}
  apiToken: ${TOKEN}
  stateFile: false
  startupSpread: 50ms
  checkDefaults: { interval: 200ms, timeout: 2s, retryInterval: 100ms, fall: 1, rise: 1, flap: { low: 5, high: 10 } }
queue: { redis: redis://127.0.0.1:6379, prefix: ${prefix} }
notify:
  email: { to: [ops@example.com], smtp: { host: 127.0.0.1, port: ${smtp.port} }, digestWindow: 0, spoolDir: ${path.join(dir, 'spool')} }
virtualServices:
  - name: web
    address: 192.0.2.1:80
    sorryServer: 127.0.0.1:${sorry.port}
    checks: [{ kind: http, path: /health }]
    realServers: [{ address: 127.0.0.1:${a.port}, weight: 3 }, { address: 127.0.0.1:${b.port} }]
  - name: flappy
    address: 192.0.2.2:80
    checks: [{ kind: http, path: /health }]
    realServers: [{ address: 127.0.0.1:${flapPort} }]
  - name: php
    address: 192.0.2.4:80
    checks: [{ kind: fpm, statusPath: /status, statusAddress: ':${FPM_STATUS_PORT}', ping: false, weightByQueue: { from: 0, to: 8 } }]
    realServers: [{ address: 127.0.0.1:${FPM_PORT} }]
  - name: blind
    address: 192.0.2.3:80
    checks: [{ kind: exec, command: [/nonexistent/check] }]
    realServers: [{ address: 127.0.0.1:9 }]
`,
    );
    passiveApp = new App();
    passiveApp.failing = true;
    passiveApp.healthyChecks = true;
    await passiveApp.start();
    const front = await freePort();
    const passiveApi = await freePort();
    passiveHaproxy = new Haproxy(`frontend fe\n  bind 127.0.0.1:${front}\n  default_backend web\nbackend web\n  server s1 127.0.0.1:${passiveApp.port}\n`);
    await passiveHaproxy.start();
    const passiveFile = path.join(dir, 'passive.json');
    writeFileSync(passiveFile, JSON.stringify({
      global: { listen: `127.0.0.1:${passiveApi}`, stateFile: false, startupSpread: '10ms' },
      balancer: { kind: 'haproxy', socket: passiveHaproxy.socket, passiveInterval: '200ms' },
      virtualServices: [{
        name: 'passive', address: `127.0.0.1:${front}`, haproxy: { backend: 'web', passive: { observe: 'layer7', errorLimit: 3, onError: 'fail-check' } },
        interval: '500ms', fall: 1000, rise: 1, checks: [{ kind: 'http', path: '/health' }],
        realServers: [{ address: `127.0.0.1:${passiveApp.port}`, haproxyServer: 's1' }],
      }],
    }));
    passiveDaemon = new DaemonProcess(['run', '-c', passiveFile]);
    await passiveDaemon.waitForLog('started', (l) => l.msg === 'rsguard started');
    passiveTraffic = traffic(front);
    daemon = new DaemonProcess(['run', '-c', file]);
    worker = new DaemonProcess(['worker', '--redis', 'redis://127.0.0.1:6379', '--prefix', prefix, '--concurrency', '20']);
    await daemon.waitForLog('started', (l) => l.msg === 'rsguard started');
    // The shipped rules, with `for:` cut to 1s so the scenario need not wait minutes.
    const rules = readFileSync(path.join(ROOT, 'alerts/rsguard.rules.yml'), 'utf8').replace(/for: \d+[smh]/g, 'for: 1s');
    writeFileSync(path.join(dir, 'rules.yml'), rules);
    writeFileSync(path.join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s, evaluation_interval: 1s }\nrule_files: [${path.join(dir, 'rules.yml')}]\nscrape_configs:\n  - job_name: rsguard\n    static_configs: [{ targets: ["127.0.0.1:${api}"] }]\n  - job_name: rsguard-passive\n    static_configs: [{ targets: ["127.0.0.1:${passiveApi}"] }]\n`);
    prometheus = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${prom}`, '--log.level=warn'], { stdio: 'ignore' });
    await waitFor('Prometheus to scrape rsguard', async () => ((await query('up{job="rsguard"} == 1').catch(() => [])).length ? true : undefined), 30_000, 200);
  });
  after(async () => {
    prometheus?.kill('SIGTERM');
    await passiveTraffic?.stop();
    await passiveDaemon?.stop();
    await passiveHaproxy?.close();
    await passiveApp?.stop();
    await worker?.stop();
    await daemon?.stop();
    await smtp?.stop();
    for (const x of [a, b, sorry]) await x?.kill();
    flap?.server.close();
    await fpm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the scenario: VRRP master, a drain, every web server down (sorry in, quorum lost), one flapping, a check that cannot run; alerts fire', async () => {
    assert.equal((await post('/api/vrrp', { kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100 })).status, 200);
    assert.equal((await post('/api/drain', { vs: 'web', rs: `127.0.0.1:${b.port}` })).status, 200);
    await new Promise((r) => setTimeout(r, 1500));
    await a.kill();
    await b.kill();
    // The php-fpm pool saturated for ~9 s (2 workers, 8 requests of 3 s): its panel has a queue to draw, its alert fires.
    saturatePhpFpm(fpm, 8, 3);
    await waitFor('RsguardFpmPoolQueueing', async () => ((await firing()).includes('RsguardFpmPoolQueueing') ? true : undefined), 9_000, 250);
    const want = ['RsguardRealServerDown', 'RsguardAllRealServersDown', 'RsguardSorryServerActive', 'RsguardQuorumLost', 'RsguardRealServerFlapping', 'RsguardVrrpMasterMoved', 'RsguardChecksCannotRun'];
    const got = await waitFor('the alerts to fire', async () => {
      const f = await firing();
      return want.every((w) => f.includes(w)) ? f : undefined;
    }, 60_000, 500).catch(async (err: Error) => assert.fail(`${err.message}; firing: ${(await firing()).join(', ')}`));
    assert.ok(got);
  });

  it('every panel of every dashboard returns series', async () => {
    await waitFor('a mail sent', () => (smtp.mails.length > 0 ? true : undefined), 20_000);
    const panels = readdirSync(path.join(ROOT, 'dashboards')).filter((f) => f.endsWith('.json')).flatMap((f) => panelQueries(path.join(ROOT, 'dashboards', f)).map((p) => ({ ...p, file: f })));
    assert.ok(panels.length >= 30, `found ${panels.length} panel queries`);
    // Grafana's template variables, as "all" selects them.
    const empty: string[] = [];
    await waitFor('every panel to have data', async () => {
      empty.length = 0;
      for (const p of panels) {
        const expr = p.expr.replace(/\$(instance|vs|rs)\b/g, '.*');
        if ((await query(expr)).length === 0) empty.push(`${p.file} "${p.title}": ${p.expr}`);
      }
      return empty.length === 0 ? true : undefined;
    }, 30_000, 1000).catch(() => assert.deepEqual(empty, [], 'panels without data'));
    // The fpm check's numbers came through the worker (distributed mode): the saturated pool's queue was seen.
    assert.ok((await query('max_over_time(rsguard_fpm_listen_queue{vs="php"}[10m]) > 0')).length > 0, 'the php-fpm queue never showed');
  });

  it('the alerts the scenario can undo resolve: servers back, flapping stopped, VRRP back to a master', async () => {
    await post('/api/vrrp', { kind: 'INSTANCE', name: 'VI_1', state: 'BACKUP', priority: 100 });
    await waitFor('no master', async () => ((await firing()).includes('RsguardNoVrrpMaster') ? true : undefined), 30_000, 500);
    await post('/api/vrrp', { kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100 });
    await a.start();
    await b.start();
    flap.flapping.on = false;
    const gone = ['RsguardRealServerDown', 'RsguardAllRealServersDown', 'RsguardSorryServerActive', 'RsguardQuorumLost', 'RsguardNoVrrpMaster', 'RsguardFpmPoolQueueing'];
    await waitFor('the alerts to resolve', async () => {
      const f = await firing();
      return gone.every((g) => !f.includes(g)) ? true : undefined;
    }, 60_000, 500).catch(async (err: Error) => assert.fail(`${err.message}; still firing: ${(await firing()).join(', ')}`));
  });

  it('mail failing: with the SMTP server gone, a transition fires RsguardMailFailing; it resolves once the spooled mail goes out', async () => {
    await smtp.stop();
    await a.kill();
    await waitFor('RsguardMailFailing', async () => ((await firing()).includes('RsguardMailFailing') ? true : undefined), 60_000, 500);
    await smtp.start();
    await a.start();
    await waitFor('RsguardMailFailing to resolve', async () => (!(await firing()).includes('RsguardMailFailing') ? true : undefined), 90_000, 500);
  });

  it('each dashboard drawn from its panels\' query results over the scenario (uPlot in headless Chromium) to a PNG a person can open', async () => {
    const end = Date.now() / 1000;
    const start = end - 120;
    const outDir = process.env.RSGUARD_PLOTS_DIR ?? dir;
    const browser = await launchChromium();
    try {
      for (const f of readdirSync(path.join(ROOT, 'dashboards')).filter((x) => x.endsWith('.json'))) {
        const panels: PanelSeries[] = [];
        for (const p of panelQueries(path.join(ROOT, 'dashboards', f))) {
          const expr = p.expr.replace(/\$(instance|vs|rs)\b/g, '.*');
          const r = (await (await fetch(`http://127.0.0.1:${prom}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${start}&end=${end}&step=1`)).json()) as { data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
          const series = r.data.result.map((x) => ({ legend: Object.entries(x.metric).filter(([k]) => k !== '__name__' && k !== 'job').map(([k, v]) => `${k}=${v}`).join(' ') || expr, points: x.values.map(([t, v]) => [t, Number(v)] as [number, number]) }));
          panels.push({ title: p.title, expr: p.expr, series });
        }
        assert.ok(panels.every((p) => p.series.some((s) => s.points.length > 1)), `${f}: a panel with no line to draw`);
        const page = await browser.newPage({ viewport: { width: 1340, height: 900 } });
        await page.setContent(panelsPage(`${f}: the test's scenario as Prometheus recorded it`, panels));
        await page.waitForSelector('body[data-ready="1"]');
        assert.equal(await page.locator('.uplot').count(), panels.length);
        const png = path.join(outDir, f.replace(/\.json$/, '.png'));
        await page.screenshot({ path: png, fullPage: true });
        assert.ok(statSync(png).size > 10_000, `${png} is suspiciously small`);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });

  it('rsguard gone: RsguardDown fires', async () => {
    await daemon.stop();
    await waitFor('RsguardDown', async () => ((await firing()).includes('RsguardDown') ? true : undefined), 30_000, 500);
  });
});
