import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { EmailDef } from '../../src/model/model.js';
import { createLogger } from '../../src/log.js';
import { mailEventId, type MailEvent } from '../../src/notify/mail-event.js';
import { MailSpool } from '../../src/notify/mail-spool.js';
import { Mailer, type MailTransport } from '../../src/notify/mailer.js';
import { FakeTime } from '../helpers/fake-time.js';

/** An SMTP stand-in that plays a script (this test is about the mailer's timing and bookkeeping; the real SMTP path is tested in test/integration/mail and test/faults/mail-faults). */
class ScriptedTransport implements MailTransport {
  readonly sent: Array<{ subject: string; messageId: string; events: string[] }> = [];
  attempts = 0;
  constructor(private readonly script: Array<'refuse' | 'accept'>) {}
  async sendMail(m: { subject: string; messageId: string; headers: Record<string, string> }) {
    const step = this.script[this.attempts++] ?? 'accept';
    if (step === 'refuse') throw new Error('connect ECONNREFUSED 127.0.0.1:25');
    this.sent.push({ subject: m.subject, messageId: m.messageId, events: (m.headers['X-Rsguard-Events'] ?? '').split(' ') });
  }
  close() {}
}

const dirs: string[] = [];
function mailer(transport: MailTransport, time: FakeTime, dir = mkdtempSync(path.join(tmpdir(), 'rsguard-mailer-'))) {
  dirs.push(dir);
  const def: EmailDef = { to: ['ops@example.com'], from: 'lvs@example.com', routerId: 'R', smtp: { host: '127.0.0.1', port: 25, connectTimeoutMs: 1000, secure: false, requireTls: false }, digestWindowMs: 1000, reminderIntervalMs: 0, spoolDir: dir };
  const spool = new MailSpool(dir);
  return { m: new Mailer(def, transport, spool, () => 'POOLS', createLogger('fatal'), { sent() {}, failed() {}, pending() {} }, time), dir };
}
const event = (kind: MailEvent['kind'], at: number, rs = '10.0.0.2:80'): MailEvent => {
  const e = { at, since: at - 1, kind, vs: '10.0.0.1:80', vsName: 'web', rs };
  return { ...e, id: mailEventId(e) };
};
/** Lets the mailer's promise chains (spool reads and writes in the thread pool, the transport) run between virtual-time steps. */
const settle = () => new Promise((r) => setTimeout(r, 15)); // real time for the spool's file I/O; virtual time does not move

describe('mailer on virtual time', () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('events inside the digest window make one mail, sent when the window closes', async () => {
    const time = new FakeTime();
    const t = new ScriptedTransport([]);
    const { m } = mailer(t, time);
    await m.start();
    await m.enqueue(event('rs-down', 1));
    time.advance(500);
    await m.enqueue(event('rs-down', 2, '10.0.0.3:80'));
    await settle();
    assert.equal(t.sent.length, 0, 'nothing before the window closes');
    time.advance(500);
    for (let i = 0; i < 100 && t.sent.length === 0; i++) await settle();
    assert.deepEqual(t.sent.map((x) => x.subject), ['[R] rsguard: 2 transitions (2 DOWN)']);
    m.close();
  });

  it('a refusing SMTP server is retried after 1 s, then 2 s; the mail goes out once, and its spool entry is gone', async () => {
    const time = new FakeTime();
    const t = new ScriptedTransport(['refuse', 'refuse', 'accept']);
    const { m, dir } = mailer(t, time);
    await m.start();
    // Delays as the mailer asked for them (independent of how fast the spool's I/O runs on a loaded box).
    const delays: number[] = [];
    const setTimeoutReal = time.setTimeout.bind(time);
    time.setTimeout = (fn: () => void, ms: number) => {
      delays.push(ms);
      return setTimeoutReal(fn, ms);
    };
    await m.enqueue(event('rs-up', 5));
    for (let i = 0; i < 100 && t.sent.length === 0; i++) {
      time.advance(100);
      await settle();
    }
    // The digest window (1 s), then retries 1 s and 2 s after each refusal.
    assert.deepEqual(delays.slice(0, 3), [1000, 1000, 2000]);
    assert.equal(t.attempts, 3);
    assert.equal(t.sent.length, 1);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('ev-')), []);
    m.close();
  });

  it('the same transition enqueued again after a restart (same id) is not mailed twice', async () => {
    const time = new FakeTime();
    const t = new ScriptedTransport([]);
    const first = mailer(t, time);
    await first.m.start();
    const down = event('rs-down', 7);
    await first.m.enqueue(down);
    time.advance(1000);
    for (let i = 0; i < 100 && t.sent.length === 0; i++) await settle();
    assert.equal(t.sent.length, 1);
    // The sent mark lands after the send: the mailed id is recorded before the spool entry is removed.
    for (let i = 0; i < 100 && readdirSync(first.dir).some((f) => f.startsWith('ev-')); i++) await settle();
    first.m.close();
    // A restart on the same spool; the restored state made the same transition happen again.
    const again = mailer(t, time, first.dir);
    await again.m.start();
    await again.m.enqueue(down);
    // Then a new transition: its mail is proof that the window closed, and had the repeated one been taken it would
    // be in that same digest (a settle of a few ms could not tell "not sent" from "not sent yet").
    const other = event('rs-down', 8, '10.0.0.3:80');
    await again.m.enqueue(other);
    time.advance(1000);
    for (let i = 0; i < 100 && t.sent.length < 2; i++) await settle();
    assert.deepEqual(t.sent.map((x) => x.events), [[down.id], [other.id]]);
    again.m.close();
  });

  it('a crash marker torn mid-write (SIGKILL) does not stop the spool from opening; its mail stays pending', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-spool-'));
    dirs.push(dir);
    const e = event('rs-down', 9);
    writeFileSync(path.join(dir, `ev-${e.id}.json`), JSON.stringify(e));
    writeFileSync(path.join(dir, 'sent-0123456789abcdef01234567'), '["');
    writeFileSync(path.join(dir, 'sent-0123456789abcdef01234567.tmp'), '');
    const spool = new MailSpool(dir);
    await spool.open();
    assert.deepEqual((await spool.pending()).map((x) => x.id), [e.id]);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('sent-')), []);
  });
});
