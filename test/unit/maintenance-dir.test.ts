import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { importLdirectord } from '../../src/config/import/ldirectord.js';
import { maintenanceNames } from '../../src/maintenance-dir.js';

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
});
