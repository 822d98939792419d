import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import { ResolveAgain } from '../../src/engine/resolve-again.js';
import { createLogger } from '../../src/log.js';
import type { MailEvent } from '../../src/notify/mail-event.js';
import { Notifier } from '../../src/notify/notifier.js';
import { HealthFile } from '../../src/vrrp/health-file.js';
import { VrrpInputs } from '../../src/vrrp/vrrp-inputs.js';
import type { VrrpTransition } from '../../src/model/vrrp-event.js';
import { spoolTransition } from '../../src/vrrp/vrrp-spool.js';
import { FakeTime } from '../helpers/fake-time.js';

/**
 * Periodic work runs on the injected timers, so virtual time drives it in a
 * test and stop() leaves nothing armed. Each case first shows that no time
 * passing means no tick (the real wall clock cannot be what fires it).
 */
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-timers-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const log = createLogger('fatal');
const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};
const content = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};
/** Bounded well below the real periods (1 s, 2 s): only the virtual tick can make it in time. */
const waitUntil = async (pred: () => boolean, what: string, ms = 400) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('periodic work on the injected timers', () => {
  it('health file: rewritten on the virtual second, nothing left armed after stop', async () => {
    const time = new FakeTime();
    const file = path.join(dir, 'health');
    let healthy = true;
    const hf = new HealthFile(() => file, () => 7, () => healthy, (err) => assert.fail(err), time);
    hf.start(1000);
    await waitUntil(() => content(file) === '7\n', 'first write', 2000);
    healthy = false;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(content(file), '7\n', 'no virtual time passed: not rewritten yet');
    time.advance(1000);
    await waitUntil(() => content(file) === '0\n', 'rewritten after one virtual second');
    await hf.stop();
    assert.equal(time.pendingCount, 0);
  });

  it('vrrp inputs: the spool is read every virtual 2 s, nothing left armed after stop', async () => {
    const time = new FakeTime();
    const spool = path.join(dir, 'vrrp');
    const model = loadYamlText('v.yaml', `notify: { vrrpSpoolDir: ${spool} }\nvirtualServices: [{ address: 10.0.0.1:80, realServers: [{ address: 10.0.0.2:80 }] }]\n`);
    const seen: VrrpTransition[] = [];
    const inputs = new VrrpInputs(() => model, (t) => seen.push(t), log, time.clock, time);
    await inputs.start();
    await spoolTransition(spool, { kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100, at: time.now });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.length, 0, 'no virtual time passed: not read yet');
    time.advance(2000);
    await waitUntil(() => seen.length === 1, 'read after two virtual seconds');
    inputs.stop();
    assert.equal(time.pendingCount, 0);
  });

  it('notifier: the down reminder is sent every virtual reminderInterval, nothing left armed after close', async () => {
    const time = new FakeTime();
    const model = loadYamlText('n.yaml', `notify: { email: { to: [ops@example.com], smtp: { host: 127.0.0.1 }, reminderInterval: 60s, spoolDir: ${dir}/mail } }\nvirtualServices: [{ address: 10.0.0.1:80, realServers: [{ address: 10.0.0.2:80 }] }]\n`);
    const sent: MailEvent[] = [];
    const mailer = { enqueue: async (m: MailEvent) => void sent.push(m) };
    const down = { vs: 'tcp:10.0.0.1:80', vsName: 'web', rs: '10.0.0.2:80', check: 'tcp', reason: 'refused' };
    const servers = { down: () => [down], silenced: () => false };
    const notifier = new Notifier(() => model, servers, mailer, log, time.clock, time);
    time.advance(59_000);
    await turns();
    assert.equal(sent.length, 0);
    time.advance(1000);
    await turns();
    assert.deepEqual(sent.map((m) => [m.kind, m.rs]), [['rs-still-down', '10.0.0.2:80']]);
    notifier.close();
    assert.equal(time.pendingCount, 0);
  });

  it('resolve again: names are asked again every virtual hold valid, nothing left armed after stop', async () => {
    const time = new FakeTime();
    let runs = 0;
    const again = new ResolveAgain(async () => void runs++, time);
    const model = { hostNames: { answers: new Map(), everyMs: 10_000 } };
    again.schedule(model);
    time.advance(9_999);
    assert.equal(runs, 0);
    time.advance(1);
    assert.equal(runs, 1, 'asked on the virtual clock');
    again.schedule(model);
    again.stop();
    assert.equal(time.pendingCount, 0);
  });
});
