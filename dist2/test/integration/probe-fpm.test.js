import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { startPhpFpm } from '../helpers/php-fpm.js';
import { probe } from '../helpers/probe.js';
describe('fpm probe against a real php-fpm', () => {
    let fpm;
    before(async () => (fpm = await startPhpFpm(await freePort())));
    after(() => fpm.stop());
    it('pings over TCP and gets pong', async () => {
        const r = await probe('fpm', { host: '127.0.0.1', port: fpm.port }, {});
        assert.equal(r.ok, true, r.detail);
        assert.equal(r.detail, 'pong');
    });
    it('pings over a unix socket', async () => {
        const r = await probe('fpm', { host: '127.0.0.1', port: 9000 }, { socket: fpm.socket });
        assert.equal(r.ok, true, r.detail);
    });
    it('fails when the response differs from the expected one', async () => {
        const r = await probe('fpm', { host: '127.0.0.1', port: fpm.port }, { expect: 'PONG!' });
        assert.deepEqual([r.ok, r.reason], [false, 'body']);
    });
    it('fails with the status and php-fpm stderr on an unknown path', async () => {
        const r = await probe('fpm', { host: '127.0.0.1', port: fpm.port }, { path: '/nope' });
        assert.deepEqual([r.ok, r.reason], [false, 'status']);
        assert.match(r.detail, /404.*Primary script unknown/);
    });
    it('reads the pool status and enforces the listen queue limit', async () => {
        const ok = await probe('fpm', { host: '127.0.0.1', port: fpm.port }, { statusPath: '/status', maxListenQueue: 10 });
        assert.equal(ok.ok, true, ok.detail);
        assert.match(ok.detail, /listen queue 0/);
    });
    it('is refused on a closed port', async () => {
        const r = await probe('fpm', { host: '127.0.0.1', port: await freePort() }, {});
        assert.deepEqual([r.ok, r.reason], [false, 'refused']);
    });
});
describe('fpm probe against hostile FastCGI servers', () => {
    const servers = [];
    async function hostile(reply) {
        const srv = net.createServer((s) => s.once('data', () => reply(s)));
        servers.push(srv);
        return new Promise((r) => srv.listen(0, '127.0.0.1', () => r(srv.address().port)));
    }
    after(() => servers.forEach((s) => s.close()));
    it('rejects garbage frames as a protocol error', async () => {
        const port = await hostile((s) => s.end(Buffer.from('HTTP/1.1 200 OK\r\n\r\npong')));
        const r = await probe('fpm', { host: '127.0.0.1', port }, {});
        assert.deepEqual([r.ok, r.reason], [false, 'protocol']);
        assert.match(r.detail, /version/);
    });
    it('rejects a stream that closes before END_REQUEST', async () => {
        const header = Buffer.from([1, 6, 0, 1, 0, 4, 0, 0]);
        const port = await hostile((s) => s.end(Buffer.concat([header, Buffer.from('pong')])));
        const r = await probe('fpm', { host: '127.0.0.1', port }, {});
        assert.deepEqual([r.ok, r.reason], [false, 'protocol']);
    });
    it('caps an endless STDOUT stream', async () => {
        const record = Buffer.concat([Buffer.from([1, 6, 0, 1, 0xff, 0xf8, 0, 0]), Buffer.alloc(0xfff8, 0x41)]);
        const port = await hostile((s) => {
            const pump = () => {
                while (!s.destroyed && s.write(record)) {
                    /* keep sending */
                }
            };
            s.on('drain', pump);
            s.on('error', () => { });
            pump();
        });
        const r = await probe('fpm', { host: '127.0.0.1', port }, {}, 3000);
        assert.deepEqual([r.ok, r.reason], [false, 'protocol']);
        assert.match(r.detail, /larger than/);
    });
    it('times out on a server that never answers', async () => {
        const port = await hostile(() => { });
        const r = await probe('fpm', { host: '127.0.0.1', port }, {}, 300);
        assert.deepEqual([r.ok, r.reason], [false, 'timeout']);
    });
});
//# sourceMappingURL=probe-fpm.test.js.map