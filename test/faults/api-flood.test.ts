import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { listenOn } from '../helpers/ports.js';
import { removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { recordFault } from './fault-rows.js';

const SERVERS = 500;
const FLOOD_PER_S = 200;
const FLOOD_MS = 8000;

/** `rsguard health` as keepalived's vrrp_script runs it: exit code and how long it took. */
function healthCommand(url: string): Promise<{ code: number | null; ms: number }> {
  const start = Date.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, 'health', '--url', url, '--timeout', '2', '-q'], { stdio: 'ignore' });
    p.on('exit', (code) => resolve({ code, ms: Date.now() - start }));
  });
}

describe('health answers while the status API is flooded', () => {
  const servers: net.Server[] = [];
  let dir: string;
  let daemon: DaemonProcess;
  let api: number;
  before(async () => {
    dir = testDir('flood');
    const ports: number[] = [];
    for (let i = 0; i < SERVERS; i++) {
      const s = net.createServer((c) => c.destroy());
      servers.push(s);
      ports.push(await listenOn(s));
    }
    const vss = Array.from({ length: SERVERS / 50 }, (_, v) => `  - { name: vs${v}, address: 10.9.${v}.1:80, checks: [{ kind: tcp }], realServers: [${ports.slice(v * 50, v * 50 + 50).map((p) => `{ address: 127.0.0.1:${p} }`).join(', ')}] }`);
    ({ daemon, api } = await runDaemon(dir, (port) => `global: { listen: 127.0.0.1:${port}, startupSpread: 1s, stateFile: false, checkDefaults: { interval: 1s, timeout: 500ms, fall: 2, rise: 1 } }\nvirtualServices:\n${vss.join('\n')}\n`));
    await new Promise((r) => setTimeout(r, 1500));
  });
  after(async () => {
    await daemon.stop();
    for (const s of servers) s.close();
    removeDir(dir);
  });

  it(`${FLOOD_PER_S} status requests a second (${SERVERS} servers): /api/health and rsguard health keep answering within keepalived's script timeout`, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    let sent = 0;
    let answered = 0;
    let failed = 0;
    const inFlight = new Set<Promise<void>>();
    const flood = setInterval(() => {
      // A bounded number of requests: FLOOD_PER_S a second for FLOOD_MS.
      if (sent >= (FLOOD_PER_S * FLOOD_MS) / 1000) return;
      for (let i = 0; i < FLOOD_PER_S / 20; i++) {
        sent++;
        const p = new Promise<void>((resolve) => {
          const req = http.get({ host: '127.0.0.1', port: api, path: '/api/status', agent, timeout: 10_000 }, (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode === 200) answered++;
              else failed++;
              resolve();
            });
          });
          req.on('timeout', () => req.destroy());
          req.on('error', () => {
            failed++;
            resolve();
          });
        });
        inFlight.add(p);
        void p.then(() => inFlight.delete(p));
      }
    }, 50);
    const url = `http://127.0.0.1:${api}`;
    const healthMs: number[] = [];
    const commands: Array<{ code: number | null; ms: number }> = [];
    try {
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < 8; i++) {
        const t = Date.now();
        const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(10_000) });
        healthMs.push(Date.now() - t);
        assert.equal(res.status, 200, await res.text());
        commands.push(await healthCommand(url));
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      clearInterval(flood);
      await Promise.all(inFlight);
      agent.destroy();
    }
    const worst = Math.max(...healthMs);
    const sick = commands.filter((c) => c.code !== 0).length;
    assert.ok(answered > FLOOD_PER_S, `the flood was served: ${answered} answered, ${failed} failed of ${sent}`);
    // keepalived kills a vrrp_script at its timeout; rsguard health gives up after 2 s: that is the bound, with a margin under it.
    assert.equal(sick, 0, `rsguard health failed ${sick} of ${commands.length} runs under the flood (${commands.map((c) => `${c.code}/${c.ms}ms`).join(', ')})`);
    assert.ok(worst < 1500, `/api/health took up to ${worst} ms under the flood`);
    recordFault({ fault: `status API flooded (${FLOOD_PER_S} req/s, ${SERVERS} servers) while keepalived asks rsguard health`, tried: commands.length, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: `health ok ${commands.length - sick}/${commands.length}; /api/health at most ${worst} ms; ${answered} status answers` });
  });
});
