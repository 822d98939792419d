import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { AdminStore, encodeHolds, parseHolds } from '../../src/engine/admin-store.js';
import { RedisHolds } from '../../src/engine/redis-holds.js';
import type { AdminState, ServerRecord } from '../../src/engine/server-table.js';
import { createLogger } from '../../src/log.js';
import { freePort, waitFor } from '../helpers/ports.js';

/** The fields encodeHolds reads of a server record. */
const record = (vs: string, rs: string, admin: AdminState | null) => ({ vs: { key: vs }, rs: { key: rs }, admin }) as unknown as ServerRecord;
const drain: AdminState = { mode: 'drain', source: 'api', by: '10.0.0.9', at: 1_700_000_000_000, reason: 'deploy 7' };
const maint: AdminState = { mode: 'maint', source: 'maintenancedir', by: null, at: 1_700_000_001_000, reason: 'file x in /m' };

/**
 * The holds store of distributed mode against a Redis of its own (stopped
 * with SIGSTOP to stand for one that does not answer): the disk file's
 * shape, written only under the caller's lease, a document of another
 * version neither read nor overwritten (said once), a failed write kept and
 * written once Redis answers.
 */
describe('operator holds in Redis (RedisHolds)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-redis-holds-'));
  let server: ChildProcess;
  let redis: Redis;
  const lines: Array<{ level: number; msg: string; err?: string; key?: string }> = [];
  const log = createLogger('info', new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(JSON.parse(chunk.toString())), cb()) }));
  const key = 'rsg-holds:admin';
  const leaseKey = 'rsg-holds:leader';
  let lease: string | undefined = 'me|3';
  const store = () => new RedisHolds(redis, 'rsg-holds', leaseKey, () => lease, log);

  before(async () => {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, commandTimeout: 300, lazyConnect: true });
    redis.on('error', () => undefined);
    await waitFor('private redis', () => redis.connect().then(() => true, () => undefined), 5000);
  });
  after(async () => {
    server.kill('SIGCONT');
    redis.disconnect();
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  const reset = async () => {
    await redis.del(key);
    await redis.set(leaseKey, 'me|3');
    lease = 'me|3';
    lines.length = 0;
  };

  it('writes the disk file\'s document: version 1, each hold with vs, rs, mode, source, by, at, reason; read back as written', async () => {
    await reset();
    const s = store();
    const records = [record('192.0.2.1:80', '10.0.0.1:80', drain), record('192.0.2.1:80', '10.0.0.2:80', null), record('192.0.2.2:443', '10.0.0.1:443', maint)];
    assert.deepEqual(await s.save(records), { ok: true });
    const doc = JSON.parse((await redis.get(key))!) as unknown;
    assert.deepEqual(doc, {
      version: 1,
      holds: [
        { vs: '192.0.2.1:80', rs: '10.0.0.1:80', mode: 'drain', source: 'api', by: '10.0.0.9', at: 1_700_000_000_000, reason: 'deploy 7' },
        { vs: '192.0.2.2:443', rs: '10.0.0.1:443', mode: 'maint', source: 'maintenancedir', by: null, at: 1_700_000_001_000, reason: 'file x in /m' },
      ],
    });
    assert.equal(await redis.get(key), encodeHolds(records), 'the same text as the disk file');
    assert.deepEqual(await s.load(), parseHolds(encodeHolds(records)));
    // The disk store reads what Redis holds, and the other way round: one shape.
    const file = path.join(dir, 'x.admin.json');
    new AdminStore(file, (err) => assert.fail(err)).save(records);
    assert.deepEqual(new AdminStore(file, (err) => assert.fail(err)).load(), await s.load());
    await s.close();
  });

  it('no document yet is undefined (not "no holds"), so the caller falls back to its disk copy', async () => {
    await reset();
    const s = store();
    assert.equal(await s.load(), undefined);
    await s.save([]);
    assert.deepEqual(await s.load(), []);
    await s.close();
  });

  it('writes nothing without the lease, or with a lease Redis no longer has (another scheduler leads)', async () => {
    await reset();
    await redis.set(key, encodeHolds([record('v', 'r1', drain)]));
    const s = store();
    lease = undefined;
    assert.equal((await s.save([record('v', 'r2', maint)])).ok, false);
    lease = 'me|3';
    await redis.set(leaseKey, 'other|4');
    const w = await s.save([record('v', 'r2', maint)]);
    assert.deepEqual(w.ok ? null : w.why, 'standby');
    assert.deepEqual((await s.load())?.map((h) => h.rs), ['r1'], "the leader's document is left as it was");
    await s.close();
  });

  it('a document of another version is refused with a clear error, logged once, and never overwritten; written once an operator removes it', async () => {
    await reset();
    const newer = JSON.stringify({ version: 2, holds: [{ server: 'x', hold: 'drain' }] });
    await redis.set(key, newer);
    const s = store();
    await assert.rejects(s.load(), /rsg-holds:admin: admin state document of version 2: this rsguard reads version 1 only/);
    await assert.rejects(s.load(), /version 2/);
    const w = await s.save([record('v', 'r1', drain)]);
    assert.deepEqual(w.ok ? null : w.why, 'refused');
    assert.equal(await redis.get(key), newer, 'the newer document is left as it is');
    assert.equal(lines.filter((l) => l.level === 50).length, 1, JSON.stringify(lines));
    assert.match(lines[0]!.err ?? '', /version 2/);
    // Not JSON at all: refused the same way.
    await redis.set(key, 'garbage');
    assert.equal((await s.flush()).ok, false);
    assert.equal(await redis.get(key), 'garbage');
    await assert.rejects(s.load(), /not JSON/);
    await redis.del(key);
    assert.deepEqual(await s.flush(), { ok: true }, 'the pending holds, written once the key is free');
    assert.deepEqual((await s.load())?.map((h) => h.rs), ['r1']);
    await s.close();
  });

  it('a write Redis does not take is kept: said once, and written when Redis answers again (nothing lost)', async () => {
    await reset();
    const s = store();
    server.kill('SIGSTOP');
    try {
      const w1 = await s.save([record('v', 'r1', drain)]);
      assert.deepEqual(w1.ok ? null : w1.why, 'unreachable');
      const w2 = await s.save([record('v', 'r1', drain), record('v', 'r2', maint)]);
      assert.equal(w2.ok, false);
    } finally {
      server.kill('SIGCONT');
    }
    assert.equal(lines.filter((l) => l.level === 50).length, 1, 'said once, not at every try');
    // The retry every second, without another change: the latest document lands.
    await waitFor('retried', async () => ((await redis.get(key)) ? true : undefined), 5000);
    assert.deepEqual((await s.load())?.map((h) => h.rs), ['r1', 'r2']);
    await waitFor('recovery said', () => (lines.some((l) => l.msg === 'drains and maintenance kept in Redis again') ? true : undefined), 2000);
    await s.close();
  });
});
