import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { DaemonProcess, ROOT } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/ports.js';

// Ports 24100-24102 (this test's range).
const API = 24100;
const UP_PORT = 24101;
/** Nothing listens here: a server on it is refused, down. */
const DOWN_PORT = 24102;
const SERVICES = 100;
const PER_SERVICE = 50;
/** Servers that are down: [service, server]. */
const DOWN = [[17, 3], [42, 10], [42, 11], [42, 12], [42, 13], [42, 14], [77, 0]] as const;

function config(): string {
  const down = new Set(DOWN.map(([v, s]) => `${v}/${s}`));
  const lines = [`global: { listen: 127.0.0.1:${API}, apiToken: page-5000-token-1234, startupSpread: 2s, checkDefaults: { interval: 3s, timeout: 1s, fall: 2, rise: 1 } }`, 'virtualServices:'];
  for (let v = 0; v < SERVICES; v++) {
    lines.push(`  - name: svc-${String(v).padStart(3, '0')}`, `    address: 198.51.100.${v + 1}:80`, '    checks: [{ kind: tcp }]', '    realServers:');
    // 127.0.v.s: a socket bound to the wildcard address answers every loopback address on its port.
    for (let s = 0; s < PER_SERVICE; s++) lines.push(`      - { address: 127.0.${v}.${s + 1}:${down.has(`${v}/${s}`) ? DOWN_PORT : UP_PORT} }`);
  }
  return `${lines.join('\n')}\n`;
}

describe('status page with 5,000 real servers (headless Chromium)', () => {
  let dir: string;
  let daemon: DaemonProcess;
  let listener: net.Server;
  let browser: Browser;
  let page: Page;

  before(async () => {
    listener = net.createServer((sock) => {
      sock.on('error', () => {});
      sock.end();
    });
    await new Promise<void>((r) => listener.listen(UP_PORT, '0.0.0.0', () => r()));
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-page5000-'));
    const file = path.join(dir, 'rsguard.yaml');
    writeFileSync(file, config());
    daemon = new DaemonProcess(['run', '-c', file]);
    await daemon.waitForLog('start', (l) => l.msg === 'rsguard started', 30_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 1500 } });
  });
  after(async () => {
    await browser?.close();
    await daemon?.stop();
    listener?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('failing services open on top, healthy ones closed; the board stays small enough and the page draws it quickly', async () => {
    // Every server down has gone down (fall 2 at 3 s) and the others have a few beats.
    await waitFor('all down', async () => (daemon.logs.filter((l) => l.msg === 'real server state changed' && l.to === 'down').length >= DOWN.length ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 15_000));

    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${API}/api/board`);
    const text = await res.text();
    const boardMs = performance.now() - started;
    // fetch asks for gzip and inflates it: content-length is what crossed the wire.
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    const wire = Number(res.headers.get('content-length'));
    const board = JSON.parse(text) as { services: Array<{ servers: Array<{ beats: string }> }> };
    assert.equal(board.services.reduce((n, s) => n + s.servers.length, 0), SERVICES * PER_SERVICE);

    const loadStart = performance.now();
    await page.goto(`http://127.0.0.1:${API}/`);
    await page.waitForSelector('body[data-ready="1"]');
    const readyMs = performance.now() - loadStart;
    console.log(`# 5,000 servers: /api/board ${(text.length / 1e6).toFixed(2)} MB (${(wire / 1e6).toFixed(2)} MB gzipped on the wire) in ${boardMs.toFixed(0)} ms; page ready in ${readyMs.toFixed(0)} ms`);

    const order = await page.locator('#services section.vs').evaluateAll((s) => s.map((e) => [e.getAttribute('data-vs'), e.classList.contains('open')]));
    assert.equal(order.length, SERVICES);
    // Failures first: the service with five down, then the two with one (by name), all open; the rest closed.
    assert.deepEqual(order.slice(0, 3), [['svc-042', true], ['svc-017', true], ['svc-077', true]]);
    assert.ok(order.slice(3).every(([, open]) => open === false), 'healthy services start closed');
    assert.deepEqual(await page.locator('section.vs[data-vs="svc-042"] tbody tr').evaluateAll((r) => r.slice(0, 5).map((e) => e.querySelector('.state')?.textContent)), Array(5).fill('down (hard)'));
    // Only failures and a few rows beside them are in the page, not 5,000 rows: 7 down and 3 healthy per open service.
    assert.equal(await page.locator('#services tbody tr:not(.more)').count(), DOWN.length + 3 * 3);
    assert.equal(await page.locator('section.vs[data-vs="svc-042"] tr.more').textContent(), 'show all 50 (42 more)');
    assert.equal(await page.locator('#counts [data-count="down"]').textContent(), `${DOWN.length} down`);

    // The filter reaches a server in a closed service; timed from typing to the rows drawn.
    const t0 = Date.now();
    await page.locator('#filter').fill('127.0.63.7:');
    await waitFor('filtered', async () => ((await page.locator('#services tbody tr').count()) === 1 ? true : undefined), 5_000, 20);
    console.log(`# filter over 5,000 servers drawn in ${Date.now() - t0} ms (120 ms of it is the typing debounce)`);
    assert.equal(await page.locator('#services section.vs').getAttribute('data-vs'), 'svc-063');
    await page.locator('#filter').fill('');
    await waitFor('all back', async () => ((await page.locator('#services section.vs').count()) === SERVICES ? true : undefined), 5_000);
    // A closed service opens on click.
    await page.locator('section.vs[data-vs="svc-000"] h2').click();
    await waitFor('opened', async () => ((await page.locator('section.vs[data-vs="svc-000"] tbody tr').count()) === PER_SERVICE ? true : undefined), 5_000);
    await page.locator('section.vs[data-vs="svc-000"] h2').click();

    mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'docs/status-page-5000.png'), fullPage: false });
  });
});
