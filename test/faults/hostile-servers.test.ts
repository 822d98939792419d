import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DaemonProcess } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/ports.js';
import { removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { recordFault } from './fault-rows.js';

const COPIES = 15;
const TIMEOUT_MS = 500;
/**
 * How far past its timeout a probe may end, on the daemon's own start and end
 * times (lastCheck.durationMs): generous for two loaded cores, and still well
 * short of a deadline of twice the timeout. (A failure rsguard judges more
 * than max(100, timeout/4) ms late is a check error 'overload' instead, which
 * leaves lastCheck as it was, so load alone does not push a duration past it.)
 */
const MARGIN_MS = 400;
const SOAK_MS = 10_000;

type Kind = 'endless-body' | 'drip' | 'endless-headers' | 'garbage-fastcgi' | 'tls-stall';
const KINDS: Kind[] = ['endless-body', 'drip', 'endless-headers', 'garbage-fastcgi', 'tls-stall'];

/** Raw TCP servers that misbehave at the byte level, each in its own way. */
function hostile(kind: Kind): net.Server {
  return net.createServer((s) => {
    s.on('error', () => {});
    const timers: NodeJS.Timeout[] = [];
    s.on('close', () => timers.forEach(clearInterval));
    switch (kind) {
      case 'endless-body':
        s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
        timers.push(setInterval(() => s.write(`4000\r\n${'x'.repeat(0x4000)}\r\n`), 1));
        break;
      case 'drip':
        // A valid head, then a byte of one header every 100 ms: an idle timer would never fire, only a deadline over
        // the whole probe ends it (a byte a second sent nothing within the 500 ms timeout: a stalled server again).
        s.write('HTTP/1.1 200 OK\r\nx-drip: ');
        timers.push(setInterval(() => s.write('y'), TIMEOUT_MS / 5));
        break;
      case 'endless-headers':
        s.write('HTTP/1.1 200 OK\r\n');
        timers.push(setInterval(() => s.write(`x-junk: ${'y'.repeat(1000)}\r\n`), 1));
        break;
      case 'garbage-fastcgi':
        s.on('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')); // an HTTP server where php-fpm should be: not FastCGI at all
        break;
      case 'tls-stall':
        break; // accepts, reads the ClientHello, never answers
    }
  });
}

describe(`hostile real servers (${COPIES} of each of ${KINDS.length} kinds), soaked for ${SOAK_MS / 1000} s`, () => {
  let dir: string;
  let api: number;
  let daemon: DaemonProcess;
  const servers: net.Server[] = [];
  const ports = new Map<Kind, number[]>();

  before(async () => {
    dir = testDir('hostile');
    for (const kind of KINDS) {
      ports.set(kind, []);
      for (let i = 0; i < COPIES; i++) {
        const s = hostile(kind);
        await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
        servers.push(s);
        ports.get(kind)!.push((s.address() as net.AddressInfo).port);
      }
    }
    const check: Record<Kind, string> = {
      'endless-body': '{ kind: http, path: /, expectBody: ok, maxBodyBytes: 65536 }',
      drip: '{ kind: http, path: / }',
      'endless-headers': '{ kind: http, path: / }',
      'garbage-fastcgi': '{ kind: fpm }',
      'tls-stall': '{ kind: https, path: /, tlsVerify: false }',
    };
    ({ daemon, api } = await runDaemon(
      dir,
      (port) => `global:
  listen: 127.0.0.1:${port}
  startupSpread: 200ms
  stateFile: false
  checkDefaults: { interval: 300ms, timeout: ${TIMEOUT_MS}ms, retryInterval: 100ms, fall: 2, rise: 1 }
virtualServices:
${KINDS.map((k, i) => `  - name: ${k}\n    address: 10.0.${i}.1:80\n    checks: [${check[k]}]\n    realServers:\n${ports.get(k)!.map((p) => `      - { address: 127.0.0.1:${p} }`).join('\n')}`).join('\n')}
`,
    ));
  });
  after(async () => {
    await daemon?.stop();
    for (const s of servers) {
      s.close();
    }
    removeDir(dir);
  });

  it('every one judged down within its deadline, and RSS stays bounded', async () => {
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${daemon.pid}/status`, 'utf8'))![1]) / 1024;
    type Rs = { port: number; hardState: string; lastCheck: { durationMs: number; reason?: string } | null };
    const status = async () => ((await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()) as { virtualServices: Array<{ name: Kind; realServers: Rs[] }> }).virtualServices;
    await waitFor('all hard down', async () => ((await status()).every((v) => v.realServers.every((r) => r.hardState === 'down')) ? true : undefined), 20_000);
    const start = rss();
    await new Promise((r) => setTimeout(r, SOAK_MS));
    const end = rss();
    const vss = await status();
    const reasons: Record<string, string[]> = {};
    for (const v of vss) {
      reasons[v.name] = [...new Set(v.realServers.map((r) => r.lastCheck?.reason ?? 'none'))];
      for (const r of v.realServers) {
        assert.equal(r.hardState, 'down', `${v.name} ${r.port}`);
        // The one deadline covers the whole probe: no hostile server holds a probe past it.
        assert.ok(r.lastCheck && r.lastCheck.durationMs <= TIMEOUT_MS + MARGIN_MS, `${v.name}: ${r.lastCheck?.durationMs} ms`);
      }
    }
    process.stdout.write(`# hostile servers: ${COPIES * KINDS.length} servers, RSS ${start.toFixed(0)} MB after detection, ${end.toFixed(0)} MB after ${SOAK_MS / 1000} s; reasons ${JSON.stringify(reasons)}\n`);
    assert.deepEqual(reasons, { 'endless-body': ['body'], drip: ['timeout'], 'endless-headers': ['protocol'], 'garbage-fastcgi': ['protocol'], 'tls-stall': ['timeout'] });
    assert.ok(end - start < 60, `RSS grew ${(end - start).toFixed(1)} MB while soaking`);
    assert.ok(end < 250, `RSS ${end.toFixed(0)} MB`);
    recordFault({ fault: `hostile real servers (endless body, a header dripped a byte per 100 ms, endless headers, garbage FastCGI, stalled TLS) x${COPIES}`, tried: COPIES * KINDS.length, transitionsLost: 0, mailsLost: 0, mailsDuplicated: 0, poolFlaps: 0, crashes: 0, note: `all down within the deadline, RSS ${start.toFixed(0)} -> ${end.toFixed(0)} MB` });
  });
});
