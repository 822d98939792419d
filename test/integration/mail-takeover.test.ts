import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { EmailDef } from '../../src/model/model.js';
import { createLogger } from '../../src/log.js';
import { mailEventId, type MailEvent } from '../../src/notify/mail-event.js';
import { MailSpool } from '../../src/notify/mail-spool.js';
import { Mailer } from '../../src/notify/mailer.js';
import { redisSentMarks, type SentMarks } from '../../src/notify/sent-marks.js';
import { smtpTransport } from '../../src/notify/smtp-transport.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { SmtpSink } from '../helpers/smtp-sink.js';

/**
 * Distributed mode, issue 25: a leader killed after its mail but before the
 * check state reached Redis leaves the same transition to the scheduler that
 * takes over. Two mailers stand for the two schedulers (own spools, one real
 * Redis, one real SMTP server): the mail's id is shared through Redis, so
 * the second does not mail it again; without the shared marks it would
 * (shown first), and with Redis away it mails rather than lose it.
 */
describe('mail identities shared through Redis across a takeover', () => {
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const prefix = `rsguard-test-mail-${process.pid}-${Date.now()}`;
  const dirs: string[] = [];
  let smtp: SmtpSink;
  before(async () => {
    smtp = new SmtpSink(await freePort());
    await smtp.start();
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await smtp.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const scheduler = async (shared?: SentMarks, digestWindowMs = 0) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-mail-takeover-'));
    dirs.push(dir);
    const def: EmailDef = { to: ['ops@example.com'], from: 'lvs@example.com', routerId: 'HA', smtp: { host: '127.0.0.1', port: smtp.port, connectTimeoutMs: 2000, secure: false, requireTls: false }, digestWindowMs, reminderIntervalMs: 0, spoolDir: dir };
    const m = new Mailer(def, smtpTransport(def), new MailSpool(dir), () => 'POOLS', createLogger('fatal'), { sent() {}, failed() {}, pending() {} }, undefined, shared);
    await m.start();
    return m;
  };
  let n = 0;
  const transition = (): MailEvent => {
    const e = { at: Date.now() + ++n, since: Date.now() - 60_000, kind: 'rs-down' as const, vs: '10.0.0.1:80', vsName: 'web', rs: `10.0.0.${n}:80` };
    return { ...e, id: mailEventId(e) };
  };
  const mailsFor = (e: MailEvent) => smtp.mails.filter((m) => m.subject.includes(`Realserver ${e.rs} `)).length;

  it('without shared marks the scheduler taking over mails the transition again (what the marks prevent)', async () => {
    const e = transition();
    const [a, b] = [await scheduler(), await scheduler()];
    await a.enqueue(e);
    await waitFor('first mail', () => (mailsFor(e) === 1 ? true : undefined), 10_000);
    await b.enqueue(e);
    await waitFor('second mail', () => (mailsFor(e) === 2 ? true : undefined), 10_000);
    a.close();
    b.close();
  });

  it('with them: mailed once, whether the takeover sees it after the mail or already had it spooled', async () => {
    const marks = redisSentMarks(redis, prefix);
    const seenAfter = transition();
    const spooledBoth = transition();
    // b mails 3 s after it spools (its digest window): long enough for a to mail first.
    const [a, b] = [await scheduler(marks), await scheduler(marks, 3000)];
    await a.enqueue(seenAfter);
    await waitFor('mailed by the leader', () => (mailsFor(seenAfter) === 1 ? true : undefined), 10_000);
    await waitFor('marked in Redis', async () => ((await marks.sent([seenAfter.id])).size === 1 ? true : undefined), 5000);
    await b.enqueue(seenAfter);
    // b has it spooled first, a mails it meanwhile; b's window closes after: it leaves b's spool unsent.
    await b.enqueue(spooledBoth);
    await a.enqueue(spooledBoth);
    await waitFor('mailed', () => (mailsFor(spooledBoth) >= 1 ? true : undefined), 10_000);
    // A later mail through b shows b's queue ran past both.
    const later = transition();
    await b.enqueue(later);
    await waitFor('b mails', () => (mailsFor(later) === 1 ? true : undefined), 10_000);
    assert.equal(mailsFor(seenAfter), 1);
    assert.equal(mailsFor(spooledBoth), 1);
    a.close();
    b.close();
  });

  it('a leader that spooled a mail and died before sending it: the one taking over sends it from the Redis outbox, once; garbage there is left alone', async () => {
    const marks = redisSentMarks(redis, prefix);
    const e = transition();
    // a's digest window outlives it: the mail is spooled and in the outbox, never sent by a.
    const a = await scheduler(marks, 60_000);
    await a.enqueue(e);
    a.close();
    await redis.hset(`${prefix}:mail-outbox`, 'garbage', '{not json');
    assert.equal(mailsFor(e), 0);
    const b = await scheduler(marks);
    await b.adopt();
    await waitFor('sent by the new leader', () => (mailsFor(e) === 1 ? true : undefined), 10_000);
    await waitFor('out of the outbox', async () => ((await redis.hkeys(`${prefix}:mail-outbox`)).join() === 'garbage' ? true : undefined), 5000);
    // Taking over again (a second failover) sends nothing more.
    const c = await scheduler(marks);
    await c.adopt();
    const later = transition();
    await c.enqueue(later);
    await waitFor('c mails', () => (mailsFor(later) === 1 ? true : undefined), 10_000);
    assert.equal(mailsFor(e), 1);
    for (const m of [b, c]) m.close();
  });

  it('an outbox entry older than the sent marks (a week) is dropped on takeover, not mailed a week late', async () => {
    const marks = redisSentMarks(redis, prefix);
    const old = transition();
    const stale = { ...old, at: Date.now() - 8 * 24 * 3600_000 };
    await redis.hset(`${prefix}:mail-outbox`, stale.id, JSON.stringify(stale));
    const b = await scheduler(marks);
    await b.adopt();
    const later = transition();
    await b.enqueue(later);
    await waitFor('b mails', () => (mailsFor(later) === 1 ? true : undefined), 10_000);
    assert.equal(mailsFor(stale), 0);
    assert.equal(await redis.hexists(`${prefix}:mail-outbox`, stale.id), 0);
    b.close();
  });

  it('with Redis away the marks cannot be read: the mail goes out (twice rather than never)', async () => {
    const dead = new Redis(`redis://127.0.0.1:${await freePort()}`, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    dead.on('error', () => undefined);
    const e = transition();
    const b = await scheduler(redisSentMarks(dead, prefix));
    await b.enqueue(e);
    await waitFor('mailed anyway', () => (mailsFor(e) === 1 ? true : undefined), 10_000);
    b.close();
    dead.disconnect();
  });
});
