import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { Backend } from '../helpers/backend.js';
import { launchChromium } from '../helpers/chromium.js';
import { DaemonProcess, ROOT } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/ports.js';

// Ports 24000-24019 (this test's range).
const API = 24000;
const TOKEN = 'page-test-token-7f3a';
const PORTS = { web: [24001, 24002, 24003], api: [24004, 24005], zeta: [24006, 24007] };
const CHECK_ERROR_PORT = 24008;

function config(servers: typeof PORTS, interval = '200ms'): string {
  const vs = (name: string, ip: string, ports: number[]) =>
    `  - name: ${name}\n    address: ${ip}:80\n    checks: [{ kind: http, path: /health }]\n    realServers:\n${ports.map((p) => `      - { address: 127.0.0.1:${p} }`).join('\n')}\n`;
  // tools: a check rsguard cannot run (no such program): check errors, never a down server.
  return `global: { listen: 127.0.0.1:${API}, apiToken: ${TOKEN}, startupSpread: 10ms, checkDefaults: { interval: ${interval}, timeout: 150ms, fall: 3, rise: 1 } }
virtualServices:
${vs('web', '192.0.2.10', servers.web)}${vs('api', '192.0.2.11', servers.api)}${vs('zeta', '192.0.2.12', servers.zeta)}  - name: tools
    address: 192.0.2.13:80
    checks: [{ kind: exec, command: [${path.join(ROOT, 'no-such-check-program')}] }]
    realServers: [{ address: 127.0.0.1:${CHECK_ERROR_PORT} }]
`;
}

interface StatusDoc {
  virtualServices: Array<{ name: string; realServers: Array<{ key: string; drained: boolean; state: string; inPool: boolean; admin: { mode: string } | null }> }>;
}

async function statusOf(vs: string, rs: string) {
  const doc = (await (await fetch(`http://127.0.0.1:${API}/api/status`)).json()) as StatusDoc;
  return doc.virtualServices.find((v) => v.name === vs)?.realServers.find((r) => r.key === rs);
}

const row = (page: Page, port: number) => page.locator(`tr[data-rs="127.0.0.1:${port}"]`);
const beatsOf = async (page: Page, port: number) => (await row(page, port).locator('canvas.bar').getAttribute('data-beats')) ?? '';
const sectionOrder = (page: Page) => page.locator('#services section.vs').evaluateAll((s) => s.map((e) => e.getAttribute('data-vs')));
const rowOrder = (page: Page, vs: string) => page.locator(`section.vs[data-vs="${vs}"] tbody tr`).evaluateAll((r) => r.map((e) => e.getAttribute('data-rs')));

/** The colour drawn for the newest beat of a server's bar, read back from the canvas. */
async function newestBeatColour(page: Page, port: number): Promise<string> {
  return row(page, port).locator('canvas.bar').evaluate((c) => {
    const canvas = c as HTMLCanvasElement;
    const [r, g, b] = canvas.getContext('2d')!.getImageData(canvas.width - 3, 8, 1, 1).data;
    return `rgb(${r},${g},${b})`;
  });
}
/** Drain and undrain ask to be clicked twice. */
async function confirmed(button: Locator): Promise<void> {
  await button.click();
  await waitFor('asks to confirm', async () => ((await button.textContent())?.startsWith('confirm') ? true : undefined), 3_000);
  await button.click();
}
const RED = 'rgb(207,34,46)';
const GREEN = 'rgb(26,127,55)';

describe('status page in headless Chromium against a daemon with real servers going down and up', () => {
  let dir: string;
  let file: string;
  let daemon: DaemonProcess;
  let browser: Browser;
  let page: Page;
  const backends = new Map<number, Backend>();

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rsguard-page-'));
    for (const p of Object.values(PORTS).flat()) {
      const b = new Backend(p);
      await b.start();
      backends.set(p, b);
    }
    file = path.join(dir, 'rsguard.yaml');
    writeFileSync(file, config(PORTS));
    daemon = new DaemonProcess(['run', '-c', file]);
    await daemon.waitForLog('start', (l) => l.msg === 'rsguard started');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    await page.goto(`http://127.0.0.1:${API}/`);
    await page.waitForSelector('body[data-ready="1"]');
  });
  after(async () => {
    await browser?.close();
    await daemon?.stop();
    for (const b of backends.values()) await b.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a server going down: its bar turns red, its service and its row come first; back up, the bar keeps the down and availability drops', async () => {
    await waitFor('beats on every row', async () => ((await beatsOf(page, 24007)).length >= 5 ? true : undefined), 10_000);
    // All up: services by name after the one with a check error, rows by address; zeta's 24007 is last of all.
    assert.deepEqual(await sectionOrder(page), ['tools', 'api', 'web', 'zeta']);
    assert.deepEqual(await rowOrder(page, 'zeta'), ['127.0.0.1:24006', '127.0.0.1:24007']);
    // A loaded machine can time out a check or two (amber, soft: fall 3), as it did at the start beside another test
    // file's load with fall 2 (the bar began 'fd'); never down while the server is up.
    await waitFor('newest beat up', async () => ((await beatsOf(page, 24007)).endsWith('u') ? true : undefined), 5_000);
    assert.doesNotMatch(await beatsOf(page, 24007), /d/);
    assert.equal(await newestBeatColour(page, 24007), GREEN);

    await backends.get(24007)!.kill();
    await waitFor('down on the page', async () => ((await row(page, 24007).locator('.state').textContent()) === 'down (hard)' ? true : undefined), 10_000);
    // fall 3: two failing (soft) results, then down.
    await waitFor('bar ends down', async () => (/uf{0,2}d+$/.test(await beatsOf(page, 24007)) ? true : undefined), 5_000);
    assert.equal(await newestBeatColour(page, 24007), RED);
    // A server down outranks a check error.
    assert.deepEqual(await sectionOrder(page), ['zeta', 'tools', 'api', 'web']);
    assert.deepEqual(await rowOrder(page, 'zeta'), ['127.0.0.1:24007', '127.0.0.1:24006']);
    assert.equal(await page.locator('#counts [data-count="down"]').textContent(), '1 down');
    // Time in state counts from the change, not from the start.
    assert.match((await row(page, 24007).locator('.since').textContent()) ?? '', /^\d+s$/);

    await backends.get(24007)!.start();
    await waitFor('up again', async () => ((await row(page, 24007).locator('.state').textContent()) === 'up (hard)' ? true : undefined), 10_000);
    await waitFor('bar ends up', async () => (/d+u+$/.test(await beatsOf(page, 24007)) ? true : undefined), 5_000);
    assert.equal(await newestBeatColour(page, 24007), GREEN);
    const hour = (await row(page, 24007).locator('td.avail.hour').textContent()) ?? '';
    assert.match(hour, /^\d+(\.\d+)?%$/);
    assert.ok(Number.parseFloat(hour) < 100, hour);
    assert.equal(await row(page, 24006).locator('td.avail.hour').textContent(), '100%');
    assert.deepEqual(await sectionOrder(page), ['tools', 'api', 'web', 'zeta']);
  });

  it('a check that cannot run: purple beats, the state held up, no availability counted, said in the detail', async () => {
    const beats = await beatsOf(page, CHECK_ERROR_PORT);
    assert.match(beats, /^e{5,}$/);
    assert.equal(await newestBeatColour(page, CHECK_ERROR_PORT), 'rgb(130,80,223)');
    assert.equal(await row(page, CHECK_ERROR_PORT).locator('.state').textContent(), 'up (hard)');
    assert.equal(await row(page, CHECK_ERROR_PORT).locator('td.avail.hour').textContent(), '–');
    assert.match((await row(page, CHECK_ERROR_PORT).locator('td.detail').textContent()) ?? '', /check error spawn: .*no-such-check-program.*; state held/);
    assert.equal(await page.locator('#counts [data-count="error"]').textContent(), '1 check error');
  });

  it('the filter narrows services and rows, by address, service and state', async () => {
    await backends.get(24005)!.kill();
    await waitFor('api down', async () => ((await row(page, 24005).locator('.state').textContent()) === 'down (hard)' ? true : undefined), 10_000);
    const filter = page.locator('#filter');
    await filter.fill('24001');
    await waitFor('one row', async () => ((await page.locator('#services tbody tr').count()) === 1 ? true : undefined), 3_000);
    assert.deepEqual(await sectionOrder(page), ['web']);
    await filter.fill('zeta');
    await waitFor('zeta only', async () => (JSON.stringify(await sectionOrder(page)) === '["zeta"]' ? true : undefined), 3_000);
    assert.equal(await page.locator('#services tbody tr').count(), 2);
    await filter.fill('down');
    await waitFor('the down one only', async () => (JSON.stringify(await rowOrder(page, 'api')) === '["127.0.0.1:24005"]' ? true : undefined), 3_000);
    assert.deepEqual(await sectionOrder(page), ['api']);
    await filter.fill('nothing-like-this');
    await waitFor('none', async () => ((await page.locator('#services section.vs').count()) === 0 ? true : undefined), 3_000);
    assert.match((await page.locator('#services').textContent()) ?? '', /no real server matches/);
    await filter.fill('');
    await waitFor('all back', async () => ((await page.locator('#services section.vs').count()) === 4 ? true : undefined), 3_000);
  });

  it('drain and undrain from the page, with the token entered once and each click confirmed: the status API follows; a wrong token is refused and forgotten', async () => {
    const drain = row(page, 24002).locator('button[data-action="drain"]');
    // One click only asks: nothing is sent (a stray click moves no traffic).
    await drain.click();
    assert.equal(await drain.textContent(), 'confirm drain');
    await drain.click();
    assert.match((await page.locator('#notice').textContent()) ?? '', /enter the API token/);
    assert.equal((await statusOf('web', '127.0.0.1:24002'))?.drained, false);

    await page.locator('#token').fill('not-the-token');
    await page.locator('#token-form button').click();
    await drain.click();
    assert.equal((await statusOf('web', '127.0.0.1:24002'))?.drained, false, 'one click with a token drains nothing either');
    await drain.click();
    await waitFor('refused', async () => (/refused/.test((await page.locator('#notice').textContent()) ?? '') ? true : undefined), 3_000);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('rsguard-api-token')), null);
    assert.equal((await statusOf('web', '127.0.0.1:24002'))?.drained, false);

    await page.locator('#token').fill(TOKEN);
    await page.locator('#token-form button').click();
    await confirmed(row(page, 24002).locator('button[data-action="drain"]'));
    await waitFor('drained in the API', async () => ((await statusOf('web', '127.0.0.1:24002'))?.drained ? true : undefined), 3_000);
    await waitFor('drained on the page', async () => ((await row(page, 24002).locator('.badge.drained').count()) === 1 ? true : undefined), 5_000);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('rsguard-api-token')), TOKEN);

    // The token is asked once per tab: a reload of the page keeps it.
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    assert.match((await page.locator('#auth').textContent()) ?? '', /API token set/);
    await confirmed(row(page, 24002).locator('button[data-action="undrain"]'));
    await waitFor('undrained in the API', async () => ((await statusOf('web', '127.0.0.1:24002'))?.drained === false ? true : undefined), 3_000);
    await confirmed(row(page, 24003).locator('button[data-action="drain"]'));
    await waitFor('24003 drained', async () => ((await statusOf('web', '127.0.0.1:24003'))?.drained ? true : undefined), 3_000);
    // Maintenance the same way: out of the pool, badge shown, only unmaint offered; then released.
    page.on('console', (m) => console.log('CONSOLE', m.text()));
    await page.evaluate(() => document.addEventListener('click', (e) => { const t = e.target as Element; console.log('click', t.tagName, t.getAttribute('data-action'), t.textContent, t.closest('[data-action]')?.outerHTML); }, true));
    await confirmed(row(page, 24006).locator('button[data-action="maint"]'));
    await waitFor('24006 in maintenance, out of the pool', async () => {
      const s = await statusOf('zeta', '127.0.0.1:24006');
      return s?.admin?.mode === 'maint' && !s.inPool ? true : undefined;
    }, 3_000);
    await waitFor('maintenance badge', async () => ((await row(page, 24006).locator('.badge.maint').count()) === 1 ? true : undefined), 5_000);
    // Counted as maintenance in the header, apart from the drained ones.
    assert.equal(await page.locator('#counts [data-count="maint"]').textContent(), '1 in maintenance');
    assert.deepEqual(await row(page, 24006).locator('button[data-action]').evaluateAll((b) => b.map((e) => e.getAttribute('data-action'))), ['unmaint']);
    await confirmed(row(page, 24006).locator('button[data-action="unmaint"]'));
    await waitFor('24006 back in the pool', async () => ((await statusOf('zeta', '127.0.0.1:24006'))?.inPool ? true : undefined), 3_000);
  });

  it('a config reload keeps the history of kept servers and drops a removed server', async () => {
    const kept = (await beatsOf(page, 24001)).length;
    assert.ok(kept >= 20, String(kept));
    const mark = daemon.mark();
    writeFileSync(file, config({ ...PORTS, web: [24001, 24002] }, '250ms'));
    daemon.signal('SIGHUP');
    await daemon.waitForLog('reloaded', (l) => l.msg === 'config reloaded', 10_000, mark);
    await waitFor('24003 gone', async () => ((await row(page, 24003).count()) === 0 ? true : undefined), 5_000);
    assert.ok((await beatsOf(page, 24001)).length >= kept, 'the kept server\'s bar did not start over');
    // Screenshot for docs/: a service with a server down, one that went down and came back, a drained one, one in maintenance.
    await waitFor('bars full enough', async () => ((await beatsOf(page, 24001)).length >= 40 ? true : undefined), 15_000);
    await confirmed(row(page, 24002).locator('button[data-action="drain"]'));
    await waitFor('drained shown', async () => ((await row(page, 24002).locator('.badge.drained').count()) === 1 ? true : undefined), 5_000);
    await confirmed(row(page, 24006).locator('button[data-action="maint"]'));
    await waitFor('maintenance shown', async () => ((await row(page, 24006).locator('.badge.maint').count()) === 1 ? true : undefined), 5_000);
    mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'docs/status-page.png'), fullPage: true });
  });
});
