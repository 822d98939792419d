import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compiled, fastTierSources, IN_PROCESS, SLOW } from '../tiers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('test tiers (test/tiers.ts)', () => {
  it('every file the tiers name exists: a renamed or removed test must be renamed or removed there too', () => {
    const missing = [...Object.keys(SLOW), ...Object.keys(IN_PROCESS)].filter((f) => !existsSync(path.join(ROOT, f)));
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
    const outside = fast.map(compiled).filter((f) => !scripts.test!.includes(`${path.posix.dirname(f)}/*.test.js`));
    assert.deepEqual(outside, []);
    for (const f of Object.keys(SLOW)) assert.ok(!fast.includes(f), f);
  });

  it('npm run test:fast builds and runs the tier', () => {
    assert.match(scripts['test:fast'] ?? '', /^npm run build && node dist\/scripts\/test-fast\.js/);
  });
});
