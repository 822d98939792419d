import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createBlackhole, type Blackhole } from '../helpers/blackhole-netns.js';
import { freePort, listenOn } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';

describe('tcp probe against loopback servers', () => {
  let banner: net.Server;
  let echo: net.Server;
  let silent: net.Server;
  let bannerPort: number;
  let echoPort: number;
  let silentPort: number;
  let blackhole: Blackhole;

  before(async () => {
    // The check resets its connection once it has its verdict (as HAProxy does), so every server sees ECONNRESET.
    const quiet = (s: net.Socket) => s.on('error', () => {});
    banner = net.createServer((s) => quiet(s).end('220 smtp.example ESMTP ready\r\n'));
    echo = net.createServer((s) => quiet(s).on('data', (d) => s.write(`ECHO ${d.toString()}`)));
    // Accepts, then says nothing and never closes: a hung service.
    silent = net.createServer(quiet);
    bannerPort = await listenOn(banner);
    echoPort = await listenOn(echo);
    silentPort = await listenOn(silent);
    blackhole = createBlackhole();
  });
  after(() => {
    banner.close();
    echo.close();
    silent.close();
    blackhole.close();
  });

  it('passes on connect', async () => {
    const r = await probe('tcp', { host: '127.0.0.1', port: silentPort }, {});
    assert.equal(r.ok, true, r.detail);
  });
  it('closes with a reset, leaving no TIME_WAIT socket behind (a FIN close leaves one per check)', async () => {
    const server = net.createServer((s) => s.on('error', () => {}));
    const port = await listenOn(server);
    try {
      const timeWait = () =>
        execFileSync('ss', ['-Htan', 'state', 'time-wait', 'dport', '=', `:${port}`], { encoding: 'utf8' }).trim();
      // The control: a client that closes first with a FIN leaves exactly the TIME_WAIT the check must not.
      await new Promise<void>((resolve) => {
        const c = net.connect({ host: '127.0.0.1', port }, () => c.end());
        c.on('close', () => resolve());
      });
      assert.notEqual(timeWait(), '', 'the control left no TIME_WAIT socket: the test cannot see the difference');
      const before = timeWait().split('\n').length;
      for (let i = 0; i < 5; i++) assert.equal((await probe('tcp', { host: '127.0.0.1', port }, {})).ok, true);
      assert.equal(timeWait().split('\n').length, before);
    } finally {
      server.close();
    }
  });
  it('is refused on a closed port', async () => {
    const r = await probe('tcp', { host: '127.0.0.1', port: await freePort() }, {});
    assert.deepEqual([r.ok, r.reason], [false, 'refused']);
  });
  it('times out within its deadline when SYNs are dropped', async () => {
    const t0 = performance.now();
    const r = await probe('tcp', { host: blackhole.address, port: 80 }, {}, 300);
    const took = performance.now() - t0;
    assert.deepEqual([r.ok, r.reason], [false, 'timeout']);
    assert.ok(took >= 290 && took < 1500, `took ${took} ms`);
  });
  it('matches a banner with expect', async () => {
    const r = await probe('tcp', { host: '127.0.0.1', port: bannerPort }, { expect: '220 ' });
    assert.equal(r.ok, true, r.detail);
  });
  it('fails when the banner does not match the regex', async () => {
    const r = await probe('tcp', { host: '127.0.0.1', port: bannerPort }, { expectRegex: '^554' });
    assert.deepEqual([r.ok, r.reason], [false, 'body']);
  });
  it('sends, then matches the reply', async () => {
    const r = await probe('tcp', { host: '127.0.0.1', port: echoPort }, { send: 'PING\r\n', expectRegex: '^ECHO PING' });
    assert.equal(r.ok, true, r.detail);
  });
  it('times out on a server that never replies', async () => {
    const r = await probe('tcp', { host: '127.0.0.1', port: silentPort }, { expect: 'hello' }, 200);
    assert.deepEqual([r.ok, r.reason], [false, 'timeout']);
  });
});
