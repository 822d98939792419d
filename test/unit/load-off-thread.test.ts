import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import { loadConfigOffThread } from '../../src/config/load-off-thread.js';
import { ModelAssembler, splitModel } from '../../src/config/model-parts.js';

describe('loadConfigOffThread', () => {
  it('loads on its worker thread, even with native addons loaded on the daemon thread (raw-socket for icmp)', async () => {
    // The daemon thread has raw-socket loaded once it pings: a worker that loads it too fails ("Module did not
    // self-register") and every reload used to fall back to the daemon thread, unseen.
    createRequire(import.meta.url)('raw-socket');
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-off-thread-'));
    try {
      const file = path.join(dir, 'rsguard.yaml');
      writeFileSync(file, 'global: { listen: 127.0.0.1:22010, stateFile: false }\nvirtualServices:\n  - { name: web, address: 192.0.2.1:80, checks: [{ kind: icmp }, { kind: tcp }], realServers: [{ address: 127.0.0.1:22011 }] }\n');
      const fallbacks: string[] = [];
      const model = await loadConfigOffThread(file, undefined, {}, (why) => fallbacks.push(why));
      assert.deepEqual(fallbacks, [], 'loaded on the worker');
      assert.equal(model.checks.size, 2);
      assert.ok(model.checks instanceof Map);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cuts the model into parts of a bounded size that assemble to an equal model', () => {
    const servers = Array.from({ length: 7 }, (_, i) => `{ address: 127.0.0.${i + 1}:80 }`).join(', ');
    const model = loadYamlText('m.yaml', `virtualServices:\n  - { name: a, address: 192.0.2.1:80, checks: [{ kind: tcp }], realServers: [${servers}] }\n  - { name: b, address: 192.0.2.2:80, checks: [{ kind: tcp }, { kind: http }], realServers: [${servers}] }\n`);
    const parts = splitModel(structuredClone(model), 3);
    // A head, then server parts and check parts of at most 3 each.
    assert.ok(parts.every((p) => !('realServers' in p) || p.realServers.length <= 3));
    assert.ok(parts.every((p) => !('checks' in p) || p.checks.length <= 3));
    const a = new ModelAssembler();
    for (const p of structuredClone(parts)) a.add(p);
    assert.deepEqual(a.done(), model);
  });
});
