import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/daemon-process.js';
import type { Tally } from '../helpers/config-fuzz.js';
import { recordFault } from './fault-rows.js';

const N = 10_000;
/** Problems of the file as a whole have no line to name; everything else must name one. */
const WHOLE_FILE = /no virtual= block|no virtual_server and no vrrp_instance block/;


describe(`${N} mutated configs of each format`, () => {
  it('zero crashes; every rejection is a ConfigError naming file:line (or the file, for a whole-file problem)', () => {
    const script = fileURLToPath(new URL('../helpers/config-fuzz.js', import.meta.url));
    // No network in here: ldirectord names are resolved at load, and no mutation may send a lookup anywhere.
    const res = spawnSync('unshare', ['--net', process.execPath, script, String(N), path.join(ROOT, 'test', 'fixtures')], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    assert.equal(res.status, 0, res.stderr);
    const tallies = JSON.parse(res.stdout) as Tally[];
    for (const t of tallies) {
      process.stdout.write(`# fuzz ${t.format}: ${t.tried} tried, ${t.accepted} accepted, ${t.rejected} rejected, ${t.crashes.length} crashes, slowest ${t.maxMs.toFixed(1)} ms\n`);
      assert.equal(t.tried, N);
      assert.equal(t.accepted + t.rejected, N, `${t.crashes.length} crashes:\n${t.crashes.filter(Boolean).join('\n\n')}`);
      assert.deepEqual(t.withoutLine.filter((m) => !WHOLE_FILE.test(m)), [], `${t.format}: rejections without a line`);
      assert.ok(t.rejected > N / 2, 'the mutations must actually break most files, or this proves nothing');
      recordFault({ fault: `mutated ${t.format}`, tried: t.tried, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: t.crashes.length, note: `${t.rejected} rejected with file:line, ${t.accepted} still valid` });
    }
  });
});
