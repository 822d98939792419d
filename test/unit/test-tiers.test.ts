import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DIFFERENTIAL, DIFFERENTIAL_TIMEOUT_MS, EXCLUSIVE, fastTierSources, GUEST, IN_PROCESS, LAST, LIGHT, LONG, SLOW, SUITE_DIRS, suiteSources } from '../tiers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('test tiers (test/tiers.ts)', () => {
  it('every file the tiers name exists: a renamed or removed test must be renamed or removed there too', () => {
    const missing = [...Object.keys(SLOW), ...Object.keys(IN_PROCESS), ...Object.keys(EXCLUSIVE), ...Object.keys(GUEST), ...Object.keys(LIGHT), ...Object.keys(LONG), LAST, DIFFERENTIAL].filter((f) => !existsSync(path.join(ROOT, f)));
    assert.deepEqual(missing, []);
  });

  it('SLOW names unit tests only, IN_PROCESS no unit test (those are in the fast tier unless SLOW)', () => {
    assert.deepEqual(Object.keys(SLOW).filter((f) => !f.startsWith('test/unit/')), []);
    assert.deepEqual(Object.keys(IN_PROCESS).filter((f) => f.startsWith('test/unit/')), []);
  });

  it('the fast tier is part of npm test: each of its files is in a folder that npm test runs', () => {
    const fast = fastTierSources(ROOT);
    assert.ok(fast.length > 50, `${fast.length} files`);
    assert.ok(fast.includes('test/unit/test-tiers.test.ts'));
    const suite = suiteSources(ROOT);
    assert.deepEqual(fast.filter((f) => !suite.includes(f)), []);
    for (const f of Object.keys(SLOW)) assert.ok(!fast.includes(f), f);
  });

  it('npm test builds, then runs through scripts/test-all.ts the whole suite (every file of test/unit, test/integration and test/faults, then the fault table) and the differential subset under the bound of npm run test:differential-subset', () => {
    assert.match(scripts.test ?? '', /^npm run build && node dist\/scripts\/test-all\.js$/);
    assert.deepEqual([...SUITE_DIRS], ['test/unit', 'test/integration', 'test/faults']);
    const suite = suiteSources(ROOT);
    for (const dir of SUITE_DIRS) {
      const files = readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.test.ts')).map((f) => `${dir}/${f}`);
      assert.deepEqual(files.filter((f) => !suite.includes(f)), [], dir);
    }
    assert.ok(!suite.includes(LAST), 'the fault table runs after every other file, not among them');
    assert.equal(scripts['test:differential-subset'], `node --test --test-timeout=${DIFFERENTIAL_TIMEOUT_MS} dist/${path.posix.dirname(DIFFERENTIAL)}/*.test.js`);
    assert.deepEqual(readdirSync(path.join(ROOT, path.dirname(DIFFERENTIAL))).filter((f) => f.endsWith('.test.ts')), [path.basename(DIFFERENTIAL)]);
  });

  it('EXCLUSIVE, GUEST, LIGHT and LONG name files npm test runs; a file alone is in no other, a guest is not LIGHT; every test booting the QEMU guest is a GUEST or runs alone', () => {
    const all = [...suiteSources(ROOT), DIFFERENTIAL];
    assert.deepEqual([...Object.keys(EXCLUSIVE), ...Object.keys(GUEST), ...Object.keys(LIGHT), ...Object.keys(LONG)].filter((f) => !all.includes(f)), []);
    assert.deepEqual([...Object.keys(LONG), ...Object.keys(GUEST), ...Object.keys(LIGHT)].filter((f) => f in EXCLUSIVE), []);
    assert.deepEqual(Object.keys(GUEST).filter((f) => f in LIGHT), []);
    const guest = all.filter((f) => /from '\.\.\/helpers\/ipvs-vm\.js'/.test(readFileSync(path.join(ROOT, f), 'utf8')));
    assert.ok(guest.length >= 2, 'the QEMU tests import test/helpers/ipvs-vm.ts');
    assert.deepEqual(guest.filter((f) => !(f in GUEST) && !(f in EXCLUSIVE)), []);
    assert.ok(DIFFERENTIAL in EXCLUSIVE, 'the differential subset runs alone');
    assert.deepEqual(Object.keys(GUEST).filter((f) => !guest.includes(f)), []);
  });

  it('npm run test:fast builds and runs the tier', () => {
    assert.match(scripts['test:fast'] ?? '', /^npm run build && node dist\/scripts\/test-fast\.js/);
  });
});
