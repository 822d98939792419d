import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { applyHeapFlags, HEAP_FLAGS } from '../../src/process/heap-flags.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');
const flags = HEAP_FLAGS.join(' ');

describe('rsguard starts node with its heap flags, wherever it is started from', () => {
  it('the rsguard command (cli.ts first line), the systemd unit and the Dockerfile give the same flags', () => {
    assert.equal(read('src/cli.ts').split('\n')[0], `#!/usr/bin/env -S node ${flags}`);
    const execStart = read('packaging/rsguard.service').split('\n').find((l) => l.startsWith('ExecStart='));
    assert.equal(execStart, `ExecStart=/usr/bin/node ${flags} /opt/rsguard/dist/src/cli.js run -c /etc/rsguard/rsguard.yaml`);
    assert.match(read('Dockerfile'), new RegExp(`^ENTRYPOINT \\["node", ${HEAP_FLAGS.map((f) => `"${f}"`).join(', ')}, "/opt/rsguard/dist/src/cli.js"\\]$`, 'm'));
  });

  it('the built command runs through its first line, and node takes the flags', () => {
    const cli = path.join(root, 'dist/src/cli.js');
    // What the kernel runs for `rsguard ...` (npm's bin link to the file): env, the rest of the line as one argument, the file.
    const [interpreter, rest] = read('dist/src/cli.js').split('\n')[0]!.slice(2).split(/ (.*)/) as [string, string];
    const probe = spawnSync(interpreter, [rest, '-p', 'JSON.stringify(process.execArgv)'], { encoding: 'utf8' });
    assert.deepEqual((JSON.parse(probe.stdout) as string[]).slice(0, HEAP_FLAGS.length), [...HEAP_FLAGS]);
    const version = spawnSync(interpreter, [rest, cli, '--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), '0.1.0');
  });

  it('a process started without them gets the growing factor at once and is told of the young generation; flags given win', () => {
    const said: object[] = [];
    const r = applyHeapFlags({ info: (obj) => said.push(obj) }, [], '');
    assert.deepEqual(r, { applied: ['--heap-growing-percent=35'], missing: ['--max-semi-space-size=8'] });
    assert.deepEqual(said, [{ missing: ['--max-semi-space-size=8'] }]);
    // The admin's own values (command line or NODE_OPTIONS, either spelling): nothing set, nothing said.
    const quiet: object[] = [];
    assert.deepEqual(applyHeapFlags({ info: (obj) => quiet.push(obj) }, ['--heap-growing-percent=50'], '--max_semi_space_size=16'), { applied: [], missing: [] });
    assert.deepEqual(quiet, []);
    assert.ok(v8.getHeapStatistics().total_heap_size > 0);
  });
});
