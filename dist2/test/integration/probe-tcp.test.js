import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createBlackhole } from '../helpers/blackhole-netns.js';
import { freePort } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';
describe('tcp probe against loopback servers', () => {
    let banner;
    let echo;
    let silent;
    let bannerPort;
    let echoPort;
    let silentPort;
    let blackhole;
    before(async () => {
        banner = net.createServer((s) => s.end('220 smtp.example ESMTP ready\r\n'));
        echo = net.createServer((s) => s.on('data', (d) => s.write(`ECHO ${d.toString()}`)));
        // Accepts, then says nothing and never closes: a hung service.
        silent = net.createServer(() => { });
        bannerPort = await listen(banner);
        echoPort = await listen(echo);
        silentPort = await listen(silent);
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
async function listen(server) {
    await new Promise((r) => server.listen(0, '127.0.0.1', () => r()));
    return server.address().port;
}
//# sourceMappingURL=probe-tcp.test.js.map