import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('keepalived notify_fifo reader', () => {
  it('stopping it releases the blocked reader and leaves no process behind when the daemon exits right after', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-fifo-'));
    const fifo = path.join(dir, 'notify.fifo');
    try {
      // A daemon in miniature: keepalived writes a line and closes (the reader sees the end and waits 100 ms
      // before it opens again), and in that moment, with no reader on the fifo, it is stopped and exits.
      const script = `import { openSync, writeSync, closeSync } from 'node:fs';
import { readKeepalivedFifo } from ${JSON.stringify(path.join(root, 'dist/src/vrrp/fifo-reader.js'))};
const fifo = ${JSON.stringify(fifo)};
const r = readKeepalivedFifo(fifo, () => setTimeout(() => { r.stop(); process.exit(0); }, 20), (e) => { console.error(e.message); process.exit(3); });
setTimeout(() => { const fd = openSync(fifo, 'w'); writeSync(fd, 'INSTANCE "VI_1" MASTER 100\\n'); closeSync(fd); }, 300);
setTimeout(() => process.exit(4), 5000);`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(run.status, 0, `the process did not end by itself: ${run.stderr}`);
      const left = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(fifo));
      assert.deepEqual(left, [], 'a process still holds or waits on the fifo');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
