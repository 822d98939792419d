import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import { freePort } from '../helpers/ports.js';

/**
 * The reload handler list as the daemon builds it: a setting the running
 * daemon keeps as it started with is logged with its name and why, the rest
 * of the reload goes in, and the same file again logs nothing of the kind.
 */
describe('a reload that changes settings read only at start', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-reload-restart-'));
  const file = path.join(dir, 'rsguard.yaml');
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  let daemon: Daemon | undefined;
  after(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (o: { api: number; concurrency: number; prefix: string; services: number }) =>
    `global: { listen: 127.0.0.1:${o.api}, concurrency: ${o.concurrency}, stateFile: false, checkDefaults: { interval: 1h } }
notify: { vrrpSpoolDir: ${path.join(dir, 'vrrp')} }
queue: { prefix: ${o.prefix} }
balancer: { kind: none }
virtualServices:
${Array.from({ length: o.services }, (_, i) => `  - { name: vs${i}, address: 10.2.0.${i + 1}:80, checks: [{ kind: tcp }], realServers: [{ address: 127.0.0.1:9 }] }`).join('\n')}
`;
  const restarts = (from: number) => lines.slice(from).filter((l) => l.msg === 'config change needs a restart');

  it('names listen and concurrency (not the prefix, embedded mode does not read it), applies the rest; the same file again names nothing', async () => {
    const api = await freePort();
    writeFileSync(file, config({ api, concurrency: 64, prefix: 'a', services: 1 }));
    daemon = await startDaemon({ configFile: file, log: createLogger('info', sink) });

    let mark = lines.length;
    assert.equal(await daemon.reload(), true);
    assert.deepEqual(restarts(mark), [], 'the same file: nothing needs a restart');

    mark = lines.length;
    writeFileSync(file, config({ api: await freePort(), concurrency: 8, prefix: 'b', services: 2 }));
    assert.equal(await daemon.reload(), true);
    assert.deepEqual(restarts(mark).map((l) => l.setting), ['global.listen', 'global.concurrency']);
    for (const l of restarts(mark)) assert.equal(typeof l.why, 'string');
    assert.equal(daemon.monitor.current.virtualServices.length, 2, 'the rest of the reload went in');
    assert.equal(daemon.address.port, api, 'still on the address it started with');
    assert.ok((await fetch(`http://127.0.0.1:${api}/api/status`)).ok);
    assert.deepEqual(lines.slice(mark).filter((l) => l.msg === 'reload step failed: a fault of rsguard, the other steps ran'), []);
  });
});
