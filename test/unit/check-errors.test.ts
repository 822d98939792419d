import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { Monitor } from '../../src/engine/monitor.js';
import { Notifier, notifierServers } from '../../src/notify/notifier.js';
import type { Mailer } from '../../src/notify/mailer.js';
import type { MailEvent } from '../../src/notify/mail-event.js';
import { classifyError } from '../../src/probes/outcome.js';
import type { ProbeResult } from '../../src/probes/types.js';
import { resolveRedisTarget } from '../../src/scheduler/resolve-redis.js';
import { runProbe } from '../../src/scheduler/run-probe.js';
import { applyResult, initialCheckState } from '../../src/state/check-state.js';
import { createLogger } from '../../src/log.js';
import { timing } from '../helpers/timing.js';

const OK: ProbeResult = { ok: true, durationMs: 1, detail: 'ok' };
const DOWN: ProbeResult = { ok: false, durationMs: 1, detail: 'connection refused', reason: 'refused' };
const SPAWN: ProbeResult = { ok: false, durationMs: 1, detail: 'cannot run /x: ENOENT', reason: 'error', error: 'spawn' };

/** Three real servers, each with an exec check of its own (distinct target), fall 2. */
function model(servers = ['10.0.0.2', '10.0.0.3', '10.0.0.4'], interval = '1s') {
  return loadYamlText(
    'e.yaml',
    `global: { checkDefaults: { interval: ${interval}, retryInterval: 100ms, fall: 2, rise: 1 } }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    checks: [{ kind: exec, command: [/usr/local/bin/check-web] }]
    realServers:
${servers.map((s) => `      - { address: ${s}:80 }`).join('\n')}
`,
  );
}

describe('check errors: a check that cannot run is not a failed server', () => {
  it('socket errors of this host are check errors; the server\'s own refusals are not', () => {
    const signal = new AbortController().signal;
    const table: Array<[string, string | undefined]> = [
      ['EMFILE', 'descriptors'], ['ENFILE', 'descriptors'], ['ENOBUFS', 'buffers'], ['EADDRNOTAVAIL', 'local_address'], ['EPERM', 'permission'], ['EACCES', 'permission'],
      ['ECONNREFUSED', undefined], ['ECONNRESET', undefined], ['EHOSTUNREACH', undefined], ['ENOENT', undefined],
    ];
    for (const [code, error] of table) {
      const err = Object.assign(new Error(`connect ${code}`), { code });
      assert.equal(classifyError(err, signal).error, error, code);
    }
  });

  it('holds the counters, soft state and hard state, and records the error; a real result clears it', () => {
    const t = timing({ fall: 3 });
    let s = applyResult(initialCheckState(t, 0), t, DOWN, 1).next; // soft down, 1 failure
    const before = { ...s };
    for (let i = 0; i < 10; i++) {
      const r = applyResult(s, t, SPAWN, 10 + i);
      assert.deepEqual(r.transitions, i === 0 ? { error: 'start' } : {});
      s = r.next;
    }
    assert.deepEqual([s.state, s.hardState, s.consecutiveFail, s.consecutiveOk, s.results, s.lastCheck], [before.state, before.hardState, 1, 0, before.results, before.lastCheck]);
    assert.deepEqual(s.checkError, { reason: 'spawn', detail: SPAWN.detail, since: 10, at: 19, count: 10 });
    const cleared = applyResult(s, t, OK, 30);
    assert.equal(cleared.next.checkError, null);
    assert.equal(cleared.transitions.error, 'stop');
  });

  it('every server erroring moves none of them and raises one alert for the reason; the same with down results empties the pool', () => {
    const run = (result: ProbeResult) => {
      const events: MonitorEvent[] = [];
      const m = new Monitor(model(), (e) => events.push(e), () => 0);
      for (let round = 0; round < 5; round++) for (const id of m.current.checks.keys()) m.apply(id, result, 1000 * round);
      return { m, events };
    };
    // The control: the same rounds with down results do take every server out, so the test can fail.
    const down = run(DOWN);
    assert.equal(down.events.filter((e) => e.type === 'server-hard' && e.to === 'down').length, 3);
    const err = run(SPAWN);
    assert.deepEqual(err.events.filter((e) => e.type === 'server-hard' || e.type === 'server-soft'), []);
    const alerts = err.events.filter((e) => e.type === 'check-error');
    assert.equal(alerts.length, 1);
    assert.deepEqual(alerts.map((e) => e.type === 'check-error' && [e.reason, e.active]), [['spawn', true]]);
    for (const r of err.m.serverRecords()) assert.equal(r.hardState, 'up');
    assert.equal(err.m.erroringChecks(), 3);
    // The binary comes back: one "runs again" once the last check clears.
    for (const id of err.m.current.checks.keys()) err.m.apply(id, OK, 9000);
    assert.deepEqual(err.events.filter((e) => e.type === 'check-error').map((e) => e.type === 'check-error' && e.active), [true, false]);
    assert.equal(err.m.erroringChecks(), 0);
  });

  it('a reload that changes the checks\' timing (new check ids) keeps their check errors: no false "runs again", the count stays', () => {
    const events: MonitorEvent[] = [];
    const m = new Monitor(model(), (e) => events.push(e), () => 0);
    for (const id of m.current.checks.keys()) m.apply(id, SPAWN, 100);
    assert.equal(m.erroringChecks(), 3);
    const retimed = model(undefined, '2s');
    // The ids change with the timing: the state (and its error) is carried to the new ids.
    assert.notDeepEqual([...retimed.checks.keys()], [...m.current.checks.keys()]);
    m.reload(retimed);
    assert.deepEqual(events.filter((e) => e.type === 'check-error').map((e) => e.type === 'check-error' && e.active), [true], 'one alert, and no "runs again" from the reload');
    assert.equal(m.erroringChecks(), 3);
    // And it does end when the checks run again.
    for (const id of m.current.checks.keys()) m.apply(id, OK, 5000);
    assert.deepEqual(events.filter((e) => e.type === 'check-error').map((e) => e.type === 'check-error' && e.active), [true, false]);
  });

  it('a probe that throws, or an unknown kind, is an exception check error', async () => {
    const base = { id: 'x-1', checkId: 'x', target: { host: '127.0.0.1', port: 1 }, timeoutMs: 500, dueAt: 0 };
    const unknown = await runProbe({ ...base, kind: 'nope', spec: {} }, {});
    assert.deepEqual([unknown.ok, unknown.error], [false, 'exception']);
    // A tcp spec with a non-string `send` makes the probe itself throw: rsguard's bug, not the server's.
    const thrown = await runProbe({ ...base, kind: 'tcp', spec: null as never }, {});
    assert.deepEqual([thrown.ok, thrown.error], [false, 'exception'], thrown.detail);
  });

  it('a reload that removes a down server stops its reminder mails (one server table, no shadow map)', () => {
    const mails: MailEvent[] = [];
    const mailer = { enqueue: async (m: MailEvent) => void mails.push(m) } as unknown as Mailer;
    let m!: Monitor;
    m = new Monitor(model(), () => {}, () => 0);
    const notifier = new Notifier(() => m.current, notifierServers(m.table), mailer, createLogger('fatal'), () => 5000);
    const victim = [...m.current.checks.values()].find((c) => c.target.host === '10.0.0.4')!;
    for (let i = 0; i < 2; i++) m.apply(victim.id, DOWN, 100 * i);
    notifier.remind();
    assert.deepEqual(mails.map((x) => [x.kind, x.rs]), [['rs-still-down', '10.0.0.4:80']]);
    m.reload(model(['10.0.0.2', '10.0.0.3']));
    notifier.remind();
    assert.equal(mails.length, 1, 'a removed server is reminded of no more');
    notifier.close();
  });

  it('the scheduler and rsguard worker resolve Redis the same way: flag, then config, then REDIS_URL', () => {
    const env = { REDIS_URL: 'redis://env' };
    const url = (u: string) => ({ kind: 'url' as const, url: u });
    assert.deepEqual(resolveRedisTarget({ flag: 'redis://flag', config: url('redis://cfg'), env }), url('redis://flag'));
    assert.deepEqual(resolveRedisTarget({ config: url('redis://cfg'), env }), url('redis://cfg'));
    assert.deepEqual(resolveRedisTarget({ env }), url('redis://env'));
    assert.equal(resolveRedisTarget({ env: {} }), undefined);
  });
});
