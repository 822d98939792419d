import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { importLdirectord } from '../../src/config/import/ldirectord.js';
import { ReverseNames, REVERSE_NEGATIVE_TTL_MS, REVERSE_TTL_MS } from '../../src/lib/reverse-names.js';
import { maintenanceNames, watchMaintenanceDir } from '../../src/maintenance-dir.js';
import type { Model } from '../../src/model/model.js';
import type { ServerRecord } from '../../src/engine/server-table.js';

/** ldirectord's _check_real_for_maintenance and its maintenancedir directive. */
describe("ldirectord's maintenancedir", () => {
  it('tries the names ldirectord tries, in its order; the short name only from a lower-case first label', () => {
    assert.deepEqual(maintenanceNames('172.16.1.2', 4444, 'realserver2.example.com'), ['172.16.1.2:4444', '172.16.1.2', 'realserver2.example.com:4444', 'realserver2.example.com', 'realserver2:4444', 'realserver2']);
    assert.deepEqual(maintenanceNames('172.16.1.2', 80, undefined), ['172.16.1.2:80', '172.16.1.2']);
    // /^([a-z][a-z0-9\-]+)\./ : no short name for a capitalised or digit-first label, nor for a name without a dot.
    assert.deepEqual(maintenanceNames('10.0.0.1', 80, 'Web1.example.com').slice(2), ['Web1.example.com:80', 'Web1.example.com']);
    assert.deepEqual(maintenanceNames('10.0.0.1', 80, 'localhost').slice(2), ['localhost:80', 'localhost']);
  });

  it('is imported as global.maintenanceDir (no longer warned away); a directory that does not exist is tolerated on its line, as ldirectord warns', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-maintdir-'));
    try {
      const cf = (d: string) => `maintenancedir=${d}\nvirtual=10.0.0.1:80\n\treal=127.0.0.1:80 gate\n\tchecktype=connect\n`;
      const file = path.join(dir, 'ldirectord.cf');
      writeFileSync(file, cf(dir));
      const ok = await importLdirectord(file, cf(dir));
      assert.equal((ok.input.global as { maintenanceDir?: string }).maintenanceDir, dir);
      assert.ok(!ok.warnings.some((w) => /maintenancedir/.test(w)), ok.warnings.join('\n'));
      const missing = await importLdirectord(file, cf('/nonexistent/maint'));
      assert.deepEqual(missing.tolerated?.map((t) => [t.line, t.message]), [[1, 'maintenance directory does not exist']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('taken out of the config, its holds end once (they would stay forever, restored at every start); an operator hold stays', async () => {
    const held = (source: string, host: string) => ({ vs: { key: 'tcp:10.0.0.1:80' }, rs: { key: `${host}:80`, host, port: 80 }, admin: { mode: 'maint', source, by: null, at: 1, reason: 'r' } }) as unknown as ServerRecord;
    const records = [held('maintenancedir', '10.0.0.2'), held('api', '10.0.0.3')];
    const calls: unknown[][] = [];
    const target = { setAdmin: (...a: unknown[]) => void calls.push(a) };
    const model = { global: {} } as unknown as Model;
    const log = { warn() {}, info() {} };
    let tick: (() => void) | undefined;
    const timers = { setTimeout: (f: () => void) => ((tick = f), 1), clearTimeout() {}, setInterval: () => 1, clearInterval() {} } as never;
    const stop = watchMaintenanceDir(() => model, () => records, target as never, log, 1000, timers);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls.map((c) => c.slice(0, 4)), [['tcp:10.0.0.1:80', '10.0.0.2:80', 'maint', false]]);
    tick?.();
    await new Promise((r) => setImmediate(r));
    assert.equal(calls.length, 1, 'once, not every round');
    stop();
  });

  it('reverse names expire: a server renamed in DNS is found by its new name after the TTL, not never', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-maintdir-'));
    try {
      writeFileSync(path.join(dir, 'web-new'), '');
      const record = { vs: { key: 'tcp:10.0.0.1:80' }, rs: { key: '10.0.0.2:80', host: '10.0.0.2', port: 80 }, admin: null } as unknown as ServerRecord;
      const calls: unknown[][] = [];
      const target = { setAdmin: (...a: unknown[]) => void calls.push(a) };
      const model = { global: { maintenanceDir: dir } } as unknown as Model;
      let now = 0;
      let ptr = 'web-old.example.com';
      const names = new ReverseNames(async () => ptr, () => now);
      let tick: (() => void) | undefined;
      const timers = { setTimeout: (f: () => void) => ((tick = f), 1), clearTimeout() {} };
      const settle = () => new Promise((r) => setTimeout(r, 20));
      const stop = watchMaintenanceDir(() => model, () => [record], target as never, { warn() {}, info() {} }, 1000, timers, names);
      await settle();
      ptr = 'web-new.example.com';
      now = REVERSE_TTL_MS - 1;
      tick!();
      await settle();
      assert.equal(calls.length, 0, 'the old name is still kept');
      now = REVERSE_TTL_MS;
      tick!();
      await settle();
      assert.deepEqual(calls.map((c) => c.slice(0, 4)), [['tcp:10.0.0.1:80', '10.0.0.2:80', 'maint', true]]);
      stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reverse names: one query per address however many ask at once; no name is asked again sooner; expired entries go', async () => {
    const asked: string[] = [];
    let now = 0;
    const names = new ReverseNames(async (ip) => (asked.push(ip), ip === '10.0.0.9' ? undefined : `h-${ip}`), () => now);
    assert.deepEqual(await Promise.all([names.get('10.0.0.2'), names.get('10.0.0.2'), names.get('10.0.0.9')]), ['h-10.0.0.2', 'h-10.0.0.2', undefined]);
    now = REVERSE_NEGATIVE_TTL_MS;
    await names.get('10.0.0.2');
    await names.get('10.0.0.9');
    assert.deepEqual(asked, ['10.0.0.2', '10.0.0.9', '10.0.0.9']);
    now = REVERSE_NEGATIVE_TTL_MS + REVERSE_TTL_MS;
    await names.get('10.0.0.3');
    assert.equal(names.size, 1, 'the others expired and went');
  });
});
