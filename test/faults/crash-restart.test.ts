import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { admin, Haproxy } from '../helpers/haproxy.js';
import { mailSettled } from '../helpers/mail-settled.js';
import { freePort, waitFor } from '../helpers/ports.js';
import { removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { recordFault } from './fault-rows.js';

const KILLS = 6;

/**
 * rsguard SIGKILLed right as it applies a transition, and restarted, again
 * and again, in front of a real HAProxy. s0 and s1 stay up, s3 stays dead,
 * s2 goes down before each kill: the steady servers must never move (a
 * restart that forgot s3 was dead would put it back, a flap), s2's outage
 * must reach HAProxy, and each of its DOWN/UP must be mailed once.
 */
describe(`rsguard SIGKILLed mid-transition and restarted ${KILLS} times (real HAProxy, real SMTP)`, () => {
  let dir: string;
  let config: string;
  let backends: Backend[];
  let haproxy: Haproxy;
  let smtp: SmtpSink;
  let daemon: DaemonProcess;
  let api: number;
  const seen: Array<{ at: number; states: string[] }> = [];
  let sampling = true;
  let sampler: Promise<void>;

  const states = async () => (await haproxy.state('web')).map((s) => admin(s));
  // The same config each time: a restart reads the state file and the spool the killed copy left.
  const start = async () => {
    ({ daemon } = await runDaemon(dir, config, { api }));
  };

  before(async () => {
    dir = testDir('crash');
    backends = [];
    for (let i = 0; i < 4; i++) {
      const b = new Backend(await freePort(), `rs${i}`);
      if (i !== 3) await b.start();
      backends.push(b);
    }
    haproxy = new Haproxy(`backend web\n  balance roundrobin\n${backends.map((b, i) => `  server s${i} 127.0.0.1:${b.port}`).join('\n')}\n`);
    await haproxy.start();
    smtp = new SmtpSink(await freePort());
    await smtp.start();
    api = await freePort();
    config = `global:
  listen: 127.0.0.1:${api}
  startupSpread: 50ms
  stateFile: ${path.join(dir, 'checks.json')}
  # Flap detection off: six outages in a row would be a flap, and a flapping server's transitions are not mailed (by design).
  checkDefaults: { interval: 200ms, timeout: 150ms, retryInterval: 100ms, fall: 2, rise: 1, flap: false }
balancer: { kind: haproxy, socket: ${haproxy.socket}, reconcileInterval: 1s }
notify:
  vrrpSpoolDir: ${path.join(dir, 'vrrp')}
  email: { to: [ops@example.com], routerId: CRASH, smtp: { host: 127.0.0.1, port: ${smtp.port} }, digestWindow: 50ms, spoolDir: ${path.join(dir, 'spool')} }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    haproxy: { backend: web }
    checks: [{ kind: http, path: /health }]
    realServers:
${backends.map((b, i) => `      - { address: 127.0.0.1:${b.port}, haproxyServer: s${i} }`).join('\n')}
`;
    await start();
    await waitFor('initial pool', async () => ((await states()).join() === 'ready,ready,ready,maint' ? true : undefined), 10_000);
    sampler = (async () => {
      while (sampling) {
        seen.push({ at: Date.now(), states: await states().catch(() => []) });
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
  });
  after(async () => {
    sampling = false;
    await sampler;
    await daemon?.stop();
    await haproxy?.close();
    await smtp?.stop();
    for (const b of backends ?? []) await b.kill();
    removeDir(dir);
  });

  it('steady servers never move, s2 follows its backend, every DOWN and UP is mailed exactly once', async () => {
    // Mails may be digests of several events: count the event lines, not the mails.
    // A message the SMTP server accepted just before the kill, and that rsguard had no time to mark sent, is sent
    // again after the restart (SMTP is at-least-once), maybe in another digest. Each mail names its events
    // (X-Rsguard-Events, in body order), so a redelivered event counts once and apart; what must never happen is
    // a second event for one transition.
    const events = () => {
      const out = new Map<string, string>();
      for (const m of smtp.mails) {
        const head = m.raw.slice(0, m.raw.indexOf('\r\n\r\n')).replace(/\r?\n[ \t]+/g, ' '); // unfold long headers
        const ids = (/^X-Rsguard-Events: (.*)$/im.exec(head)?.[1] ?? '').trim().split(/\s+/);
        const lines = m.body.split(/\r?\n/).slice(2, 2 + ids.length);
        ids.forEach((id, i) => out.set(id, lines[i] ?? ''));
      }
      return [...out.values()];
    };
    const count = (text: string) => events().filter((l) => l.includes(text)).length;
    const downLine = () => `127.0.0.1:${backends[2]!.port} in web is DOWN`;
    const upLine = () => `127.0.0.1:${backends[2]!.port} in web is UP again`;
    for (let k = 0; k < KILLS; k++) {
      const mark = daemon.mark();
      await backends[2]!.kill();
      // SIGKILL the moment the transition is logged: the mail spool, the state file and HAProxy race the kill.
      await daemon.waitForLog('s2 down', (l) => l.msg === 'real server state changed' && l.to === 'down', 10_000, mark);
      daemon.signal('SIGKILL');
      await daemon.stop();
      await start();
      await waitFor('s2 out after restart', async () => ((await states()).join() === 'ready,ready,maint,maint' ? true : undefined), 10_000);
      const mark2 = daemon.mark();
      await backends[2]!.start();
      await daemon.waitForLog('s2 up', (l) => l.msg === 'real server state changed' && l.to === 'up', 10_000, mark2);
      if (k % 2 === 0) {
        daemon.signal('SIGKILL');
        await daemon.stop();
        await start();
      }
      await waitFor('s2 back', async () => ((await states()).join() === 'ready,ready,ready,maint' ? true : undefined), 10_000);
    }
    await waitFor('all mails', () => (count(downLine()) >= KILLS && count(upLine()) >= KILLS ? true : undefined), 20_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${count(downLine())} DOWN, ${count(upLine())} UP; subjects ${JSON.stringify(smtp.subjects())}`);
    });
    // A second event for a transition would be mailed from the spool, maybe after a retry (1, 2, 4 s ... apart):
    // count only once the running copy has nothing pending and no retry due, not after a fixed wait.
    await mailSettled(daemon, api);
    sampling = false;
    await sampler;
    const flaps = seen.filter((s) => s.states.length === 4 && (s.states[0] !== 'ready' || s.states[1] !== 'ready' || s.states[3] !== 'maint'));
    const allLines = smtp.mails.reduce((n, m) => n + m.body.split(downLine()).length - 1 + m.body.split(upLine()).length - 1, 0);
    const redelivered = allLines - count(downLine()) - count(upLine());
    const downs = count(downLine());
    const ups = count(upLine());
    process.stdout.write(`# crash-restart: ${KILLS} outages, ${KILLS + Math.ceil(KILLS / 2)} SIGKILLs, ${seen.length} HAProxy samples, ${flaps.length} flapped, DOWN mailed ${downs}, UP mailed ${ups}, events redelivered ${redelivered}\n`);
    recordFault({ fault: 'rsguard SIGKILLed mid-transition and restarted (HAProxy, SMTP)', tried: KILLS + Math.ceil(KILLS / 2), transitionsLost: Math.max(0, KILLS - downs) + Math.max(0, KILLS - ups), mailsLost: Math.max(0, 2 * KILLS - downs - ups), mailsDuplicated: Math.max(0, downs - KILLS) + Math.max(0, ups - KILLS), poolFlaps: flaps.length, crashes: 0, note: `pool converges, no flap; ${redelivered} accepted event(s) redelivered after a crash` });
    assert.deepEqual(flaps.slice(0, 3), [], 'a steady server moved');
    assert.equal(downs, KILLS, 'one DOWN mailed per outage');
    assert.equal(ups, KILLS, 'one UP mailed per recovery');
  });
});
