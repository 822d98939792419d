import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { hooksFor } from '../../src/notify/hooks.js';
import { composeMail, subjectOf } from '../../src/notify/mail-composer.js';
import { mailEventId, type MailEvent } from '../../src/notify/mail-event.js';
import { MailPolicy } from '../../src/notify/mail-policy.js';
import { transitionLine } from '../../src/vrrp/transition-log.js';
import { parseFifoLine, stateCode, vrrpTransition } from '../../src/model/vrrp-event.js';

const MODEL = loadYamlText(
  'n.yaml',
  `virtualServices:
  - name: web
    address: 10.0.0.1:80
    notify: { quorumUp: [/bin/qup], quorumDown: [/bin/qdown], fallbackCommand: [/bin/fb, --flag], emailTo: [web@example.com] }
    realServers:
      - { address: 10.0.0.2:80, notify: { up: [/bin/up, x], down: [/bin/down] } }
`,
);
const server = { vs: 'tcp:10.0.0.1:80', vsName: 'web', rs: '10.0.0.2:80' };
const hard = (to: 'up' | 'down', at: number): MonitorEvent => ({ type: 'server-hard', at, since: 0, server, from: to === 'up' ? 'down' : 'up', to, check: 'http GET /', reason: 'HTTP 503' });

describe('mail subjects (keepalived shape)', () => {
  const base = { at: 0, vs: '10.0.0.1:80', rs: '10.0.0.2:80' };
  const table: Array<[Omit<MailEvent, 'id'>, string]> = [
    [{ ...base, kind: 'rs-down' }, '[R] Realserver 10.0.0.2:80 of virtual server 10.0.0.1:80 - DOWN'],
    [{ ...base, kind: 'rs-up' }, '[R] Realserver 10.0.0.2:80 of virtual server 10.0.0.1:80 - UP'],
    [{ ...base, kind: 'quorum-lost' }, '[R] Virtualserver 10.0.0.1:80 - DOWN'],
    [{ ...base, kind: 'quorum-gained' }, '[R] Virtualserver 10.0.0.1:80 - UP'],
    [{ at: 0, kind: 'vrrp', vrrp: { kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100 } }, '[R] VRRP Instance VI_1 - Entering MASTER state'],
    [{ at: 0, kind: 'vrrp', vrrp: { kind: 'GROUP', name: 'G1', state: 'BACKUP', priority: 0 } }, '[R] VRRP Group G1 - Entering BACKUP state'],
    [{ ...base, kind: 'sorry-in' }, '[R] Virtualserver 10.0.0.1:80 - SORRY SERVER IN'],
    [{ ...base, kind: 'flapping-start' }, '[R] Realserver 10.0.0.2:80 of virtual server 10.0.0.1:80 - FLAPPING'],
    [{ at: 0, kind: 'check-error', checkError: { reason: 'spawn', checks: 3 } }, '[R] rsguard cannot run checks (spawn) - servers hold their last state'],
    [{ ...base, kind: 'valve-held', reason: '2 of 4 real servers went down within one interval' }, '[R] Virtualserver 10.0.0.1:80 - MASS FAILURE HELD FOR CONFIRMATION'],
  ];
  for (const [e, subject] of table) it(subject, () => assert.equal(subjectOf({ ...e, id: mailEventId(e) }, 'R'), subject));
  it('several events make one digest, oldest first, with the pool', () => {
    const events = [{ ...base, at: 2000, kind: 'rs-up' as const }, { ...base, at: 1000, kind: 'rs-down' as const }].map((e) => ({ ...e, id: mailEventId(e) }));
    const mail = composeMail(events, 'R', 'POOL TABLE');
    assert.equal(mail.subject, '[R] rsguard: 2 transitions (1 DOWN, 1 UP)');
    const blind = [{ at: 3000, kind: 'check-error' as const, checkError: { reason: 'spawn', checks: 3 } }, { at: 3001, kind: 'started' as const }].map((e) => ({ ...e, id: mailEventId(e) }));
    assert.equal(composeMail(blind, 'R', '').subject, '[R] rsguard: 2 transitions (1 CHECK ERROR, 1 other)');
    assert.ok(mail.text.indexOf('is DOWN') < mail.text.indexOf('is UP again'));
    assert.match(mail.text, /Pools now:\nPOOL TABLE/);
  });
  it('ids are deterministic: the same transition is one spool entry', () => {
    const e = { ...base, kind: 'rs-down' as const };
    assert.equal(mailEventId(e), mailEventId({ ...e }));
    assert.notEqual(mailEventId(e), mailEventId({ ...e, at: 1 }));
  });
});

describe('mail policy', () => {
  it('uses the virtual service recipients and keeps check and reason', () => {
    const [m] = new MailPolicy(() => MODEL, () => false).toMail(hard('down', 5));
    assert.deepEqual([m!.kind, m!.vs, m!.rs, m!.check, m!.reason, m!.to], ['rs-down', '10.0.0.1:80', '10.0.0.2:80', 'http GET /', 'HTTP 503', ['web@example.com']]);
  });
  it('a flapping server gets one flapping mail and none for its transitions until it stops', () => {
    // The monitor marks the record flapping after the hard event that starts it, before the flapping event.
    let flapping = false;
    const p = new MailPolicy(() => MODEL, () => flapping);
    const kinds = [
      hard('down', 1),
      { type: 'server-flapping', at: 2, server, flapping: true, percent: 35 } as MonitorEvent,
      hard('up', 3),
      hard('down', 4),
      { type: 'server-flapping', at: 5, server, flapping: false, percent: 15 } as MonitorEvent,
      hard('up', 6),
    ].flatMap((e) => {
      if (e.type === 'server-flapping') flapping = e.flapping;
      return p.toMail(e).map((m) => m.kind);
    });
    assert.deepEqual(kinds, ['rs-down', 'flapping-start', 'flapping-stop', 'rs-up']);
  });
});

describe('hooks', () => {
  it('notify_up / notify_down run as configured, with nothing appended (keepalived)', () => {
    assert.deepEqual(hooksFor(hard('up', 1), MODEL), [{ what: 'notify_up', argv: ['/bin/up', 'x'] }]);
    assert.deepEqual(hooksFor(hard('down', 1), MODEL), [{ what: 'notify_down', argv: ['/bin/down'] }]);
  });
  it('quorum_up / quorum_down and the fallback command with start|stop VIP:PORT PROTO (ldirectord)', () => {
    assert.deepEqual(hooksFor({ type: 'quorum', at: 1, vs: 'tcp:10.0.0.1:80', vsName: 'web', up: false, upWeight: 0, quorum: 1 }, MODEL), [{ what: 'quorum_down', argv: ['/bin/qdown'] }]);
    assert.deepEqual(hooksFor({ type: 'sorry-server', at: 1, vs: 'tcp:10.0.0.1:80', vsName: 'web', active: true }, MODEL), [{ what: 'fallbackcommand', argv: ['/bin/fb', '--flag', 'start', '10.0.0.1:80', 'tcp'] }]);
    assert.deepEqual(hooksFor({ type: 'sorry-server', at: 1, vs: 'tcp:10.0.0.1:80', vsName: 'web', active: false }, MODEL)[0]!.argv.slice(2), ['stop', '10.0.0.1:80', 'tcp']);
  });
});

describe('VRRP transitions', () => {
  it('validates what keepalived appends', () => {
    assert.deepEqual(vrrpTransition('INSTANCE', 'VI_1', 'MASTER', '100', 7), { kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100, at: 7 });
    assert.match(String(vrrpTransition('INSTANCE', 'VI_1', 'BOSS', '100', 7)), /expected one of MASTER/);
    assert.match(String(vrrpTransition('HOST', 'VI_1', 'MASTER', '1', 7)), /expected INSTANCE or GROUP/);
    assert.match(String(vrrpTransition('INSTANCE', 'x;rm -rf', 'MASTER', '1', 7)), /bad instance name/);
    assert.match(String(vrrpTransition('INSTANCE', 'VI_1', 'MASTER', '300', 7)), /priority must be 0-255/);
  });
  it('parses notify_fifo lines and rejects garbage', () => {
    assert.deepEqual(parseFifoLine('INSTANCE "VI_1" MASTER 100', 1), { type: 'vrrp', transition: { kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100, at: 1 } });
    assert.deepEqual(parseFifoLine('VS [10.0.0.1]:tcp:80 UP', 1), { type: 'vs', vs: '[10.0.0.1]:tcp:80', state: 'UP' });
    assert.deepEqual(parseFifoLine('RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN', 1), { type: 'rs', rs: '[10.0.0.2]:tcp:80', vs: '[10.0.0.1]:tcp:80', state: 'DOWN' });
    assert.equal(parseFifoLine('\u0000\u0001 garbage', 1).type, 'invalid');
  });
  it('maps states to the metric values', () => assert.deepEqual(['MASTER', 'BACKUP', 'FAULT', 'STOP', 'DELETED'].map(stateCode), [1, 2, 3, 0, 0]));
  it('writes one keepalived-state.log style line', () => {
    const line = transitionLine({ kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 100, at: Date.UTC(2026, 0, 2, 3, 4, 5) }, 'lvs1');
    assert.match(line, /^\[Master\] .*2026.* lvs1: instance VI_1 is now MASTER \(priority 100\)\n$/);
  });
});
