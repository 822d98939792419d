import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess, ROOT } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { launchChromium } from '../helpers/chromium.js';

const dashboards = () => readdirSync(path.join(ROOT, 'dashboards')).filter((f) => f.endsWith('.json'));

describe('metrics, alert rules, dashboards', () => {
  let dir: string;
  let api: number;
  let backend: Backend;
  let daemon: DaemonProcess;
  let metricsText: string;
  let hostile: net.Server;
  let hostilePort: number;
  /** Markup a real server could send back, which ends up in a check's detail. */
  const MARKUP = '<img src=x onerror=pwned=1><script>pwned=2</script>';

  before(async () => {
    hostile = net.createServer((sock) => {
      sock.on('error', () => {});
      sock.end(MARKUP);
    });
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', () => r()));
    hostilePort = (hostile.address() as net.AddressInfo).port;
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-obs-'));
    api = await freePort();
    backend = new Backend(await freePort());
    await backend.start();
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(file, `global: { listen: 127.0.0.1:${api}, startupSpread: 10ms, checkDefaults: { interval: 200ms, timeout: 150ms, fall: 1, rise: 1 } }\nvirtualServices:\n  - name: web\n    address: 192.0.2.1:80\n    sorryServer: { address: 127.0.0.1:1, checks: [] }\n    checks: [{ kind: http, path: /health }]\n    realServers: [{ address: 127.0.0.1:${backend.port} }, { address: 127.0.0.1:2 }]\n  - name: hostile\n    address: 192.0.2.2:80\n    checks: [{ kind: tcp, send: "hello", expect: "pong" }]\n    realServers: [{ address: 127.0.0.1:${hostilePort} }]\n`);
    daemon = new DaemonProcess(['run', '-c', file]);
    await daemon.waitForLog('start', (l) => l.msg === 'rsguard started');
    await daemon.waitForLog('down', (l) => l.msg === 'real server state changed' && l.to === 'down');
    metricsText = await (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
  });
  after(async () => {
    await daemon.stop();
    await backend.kill();
    hostile.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('promtool check metrics finds nothing to complain about', () => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: metricsText, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal((r.stdout + r.stderr).trim(), '');
  });

  it('exposes the metrics the rules and dashboards rely on, with bounded labels', () => {
    for (const m of ['rsguard_real_server_up', 'rsguard_real_server_weight', 'rsguard_real_server_soft', 'rsguard_real_server_flapping', 'rsguard_virtual_service_sorry_active', 'rsguard_virtual_service_quorum_up', 'rsguard_probe_duration_seconds_bucket', 'rsguard_probe_results_total', 'rsguard_schedule_lag_seconds_bucket', 'rsguard_balancer_up', 'rsguard_queue_pending', 'rsguard_mail_pending', 'rsguard_checks']) {
      assert.match(metricsText, new RegExp(`^${m}[{ ]`, 'm'), m);
    }
    assert.match(metricsText, /^rsguard_real_server_up\{vs="web",rs="127\.0\.0\.1:2"\} 0$/m);
    assert.match(metricsText, /^rsguard_probe_results_total\{kind="http",outcome="failure",reason="refused"\} [1-9]/m);
    assert.match(metricsText, /^rsguard_real_server_weight\{vs="web",rs="127\.0\.0\.1:2",kind="desired"\} 0$/m);
  });

  it('promtool checks the alert rules and passes their unit tests', () => {
    execFileSync('promtool', ['check', 'rules', path.join(ROOT, 'alerts/rsguard.rules.yml')], { stdio: 'pipe' });
    const r = spawnSync('promtool', ['test', 'rules', 'rsguard.rules.test.yml'], { cwd: path.join(ROOT, 'alerts'), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });

  it('every metric a dashboard or rule queries is one rsguard exports', () => {
    const exported = new Set([...metricsText.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap((m) => (m[2] === 'histogram' ? [`${m[1]}_bucket`, `${m[1]}_sum`, `${m[1]}_count`] : [m[1]!])));
    const sources = [...dashboards().map((f) => readFileSync(path.join(ROOT, 'dashboards', f), 'utf8')), readFileSync(path.join(ROOT, 'alerts/rsguard.rules.yml'), 'utf8')];
    const used = new Set(sources.flatMap((s) => [...s.matchAll(/\brsguard_[a-z_]+/g)].map((m) => m[0])));
    assert.ok(used.size >= 12);
    // Metrics that only appear once something happened (VRRP, mail) or in distributed mode (queue) are not in this embedded run.
    const lazy = new Set(['rsguard_queue_jobs', 'rsguard_queue_results_total', 'rsguard_vrrp_state', 'rsguard_vrrp_transitions_total', 'rsguard_mail_sent_total', 'rsguard_mail_failed_total', 'rsguard_real_server_transitions_total']);
    assert.deepEqual([...used].filter((m) => !exported.has(m) && !lazy.has(m)), []);
  });

  it('the dashboards are what dashboards/build.mjs makes, with a datasource on every panel and target', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'rsguard-dash-'));
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'dashboards/build.mjs'), out]);
      assert.deepEqual(readdirSync(out).sort(), dashboards().sort());
      for (const f of dashboards()) {
        assert.equal(readFileSync(path.join(ROOT, 'dashboards', f), 'utf8'), readFileSync(path.join(out, f), 'utf8'), `${f} is stale: run node dashboards/build.mjs`);
        const d = JSON.parse(readFileSync(path.join(ROOT, 'dashboards', f), 'utf8')) as { uid: string; panels: Array<{ id: number; datasource: unknown; gridPos: object; targets: Array<{ expr: string; datasource: unknown }> }> };
        assert.ok(d.uid && d.panels.length >= 4);
        assert.equal(new Set(d.panels.map((p) => p.id)).size, d.panels.length);
        for (const p of d.panels) {
          assert.ok(p.datasource && p.gridPos && p.targets.length > 0);
          for (const t of p.targets) assert.ok(t.datasource && t.expr.includes('rsguard_'));
        }
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('the status page shows pools and live state (headless Chromium)', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${api}/`);
      await page.waitForSelector('section.vs[data-vs="web"]');
      const downRow = page.locator(`tr[data-rs="127.0.0.1:2"] .state`);
      await waitFor('down row', async () => ((await downRow.textContent())?.includes('down (hard)') ? true : undefined));
      const upRow = page.locator(`tr[data-rs="127.0.0.1:${backend.port}"] .state`);
      assert.equal(await upRow.textContent(), 'up (hard)');
      assert.match((await page.locator('#events').textContent()) ?? '', /web 127\.0\.0\.1:2 up -> down/);
      // Live: kill the other one and watch the page follow without a reload, sorry server included.
      await backend.kill();
      await waitFor('live update', async () => ((await upRow.textContent())?.startsWith('down') ? true : undefined), 10_000);
      await waitFor('sorry shown', async () => ((await page.locator('.sorry-active').count()) > 0 ? true : undefined), 10_000);
      await page.screenshot({ path: path.join(dir, 'status-page.png'), fullPage: true });
      // A hostile real server's reply reaches the page as the check's detail: as text, never as markup.
      await page.waitForSelector('section.vs[data-vs="hostile"]');
      const detail = page.locator(`tr[data-rs="127.0.0.1:${hostilePort}"] td.detail`);
      await waitFor('hostile detail shown', async () => ((await detail.textContent())?.includes('<img src=x') ? true : undefined), 10_000);
      assert.match((await detail.textContent()) ?? '', /<script>pwned=2<\/script>/);
      assert.equal(await page.locator('td.detail img, td.detail script').count(), 0);
      assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    } finally {
      await browser.close();
      await backend.start();
    }
  });
});
