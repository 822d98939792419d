import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLI } from '../helpers/daemon-process.js';

/** Debian's keepalived package ships these; CI installs keepalived, so they are there. */
const SAMPLES = '/usr/share/doc/keepalived/samples';

describe("Debian's keepalived samples", () => {
  it('every one loads with rsguard check-config (none of them is BFD)', () => {
    const files = readdirSync(SAMPLES).filter((f) => f.startsWith('keepalived.conf.'));
    assert.ok(files.length >= 20, `expected keepalived's samples in ${SAMPLES}, found ${files.length}`);
    const failed = files
      .map((f) => ({ f, r: spawnSync(process.execPath, [CLI, 'check-config', path.join(SAMPLES, f), '--format', 'keepalived'], { encoding: 'utf8', timeout: 30_000 }) }))
      .filter(({ r }) => r.status !== 0)
      .map(({ f, r }) => `${f}: ${r.stderr.trim()}`);
    assert.deepEqual(failed, []);
  });
});
