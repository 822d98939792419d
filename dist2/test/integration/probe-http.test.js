import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createBlackhole } from '../helpers/blackhole-netns.js';
import { freePort } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';
import { selfSignedCert } from '../helpers/tls-cert.js';
const PAGE = 'status: ok\nversion: 1.2.3\n';
describe('http probe against a loopback server', () => {
    let server;
    let port;
    const seenHosts = [];
    let dripTimer;
    before(async () => {
        server = http.createServer((req, res) => {
            seenHosts.push(req.headers.host ?? '');
            switch (req.url) {
                case '/health':
                    res.writeHead(200, { 'content-type': 'text/plain' }).end(PAGE);
                    return;
                case '/down':
                    res.writeHead(503).end('maintenance');
                    return;
                case '/redirect':
                    res.writeHead(302, { location: '/health' }).end();
                    return;
                case '/huge': {
                    // An endless body: the probe must stop at its cap, not buffer it all.
                    res.writeHead(200);
                    const chunk = Buffer.alloc(64 * 1024, 'x');
                    const pump = () => {
                        while (res.write(chunk)) {
                            /* fill the socket */
                        }
                    };
                    res.on('drain', pump);
                    pump();
                    return;
                }
                case '/drip':
                    res.writeHead(200);
                    dripTimer = setInterval(() => res.write('.'), 50);
                    res.on('close', () => clearInterval(dripTimer));
                    return;
                default:
                    res.writeHead(404).end();
            }
        });
        port = await new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
    });
    after(() => {
        clearInterval(dripTimer);
        server.closeAllConnections();
        server.close();
    });
    const target = () => ({ host: '127.0.0.1', port });
    it('passes on 200 by default', async () => {
        const r = await probe('http', target(), { path: '/health' });
        assert.equal(r.ok, true, r.detail);
        assert.match(r.detail, /HTTP 200/);
    });
    it('fails on a status outside the expected list', async () => {
        const r = await probe('http', target(), { path: '/down' });
        assert.deepEqual([r.ok, r.reason], [false, 'status']);
        assert.match(r.detail, /503/);
    });
    it('accepts listed codes and ranges', async () => {
        assert.equal((await probe('http', target(), { path: '/down', expectStatus: [200, '500-599'] })).ok, true);
        assert.equal((await probe('http', target(), { path: '/redirect', expectStatus: ['3xx'] })).ok, true);
    });
    it('does not follow redirects unless told to', async () => {
        assert.equal((await probe('http', target(), { path: '/redirect' })).reason, 'status');
        assert.equal((await probe('http', target(), { path: '/redirect', followRedirects: true })).ok, true);
    });
    it('checks the body with a string, a regex and a negative regex', async () => {
        assert.equal((await probe('http', target(), { path: '/health', expectBody: 'status: ok' })).ok, true);
        assert.equal((await probe('http', target(), { path: '/health', expectBodyRegex: '^version: \\d+\\.\\d+' })).ok, false, 'no multiline flag: ^ is the start');
        assert.equal((await probe('http', target(), { path: '/health', expectBodyRegex: 'version: \\d+\\.\\d+' })).ok, true);
        const r = await probe('http', target(), { path: '/health', rejectBodyRegex: 'version: 1\\.' });
        assert.deepEqual([r.ok, r.reason], [false, 'body']);
    });
    it('compares an md5 digest like keepalived genhash', async () => {
        const digest = createHash('md5').update(PAGE).digest('hex');
        assert.equal((await probe('http', target(), { path: '/health', digest })).ok, true);
        const r = await probe('http', target(), { path: '/health', digest: '0'.repeat(32) });
        assert.deepEqual([r.ok, r.reason], [false, 'body']);
    });
    it('sends the virtual host as Host', async () => {
        seenHosts.length = 0;
        await probe('http', target(), { path: '/health', virtualHost: 'www.example.com' });
        assert.deepEqual(seenHosts, ['www.example.com']);
    });
    it('stops reading an endless body at maxBodyBytes', async () => {
        const before = process.memoryUsage().rss;
        const r = await probe('http', target(), { path: '/huge', expectBody: 'never-there', maxBodyBytes: 128 * 1024 }, 3000);
        assert.deepEqual([r.ok, r.reason], [false, 'body']);
        assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'did not buffer the endless body');
    });
    it('a digest on a body over the cap fails with a clear reason', async () => {
        const r = await probe('http', target(), { path: '/huge', digest: '0'.repeat(32), maxBodyBytes: 1024 }, 3000);
        assert.equal(r.ok, false);
        assert.match(r.detail, /larger than maxBodyBytes/);
    });
    it('a slow drip hits the one deadline that covers the whole probe', async () => {
        const t0 = performance.now();
        const r = await probe('http', target(), { path: '/drip', expectBody: 'x' }, 400);
        assert.deepEqual([r.ok, r.reason], [false, 'timeout']);
        assert.ok(performance.now() - t0 < 1500);
    });
    it('is refused on a closed port', async () => {
        const r = await probe('http', { host: '127.0.0.1', port: await freePort() }, {});
        assert.deepEqual([r.ok, r.reason], [false, 'refused']);
    });
    it('reports a protocol error for a server that speaks garbage', async () => {
        const garbage = net.createServer((s) => s.end('\x00\x01\x02 this is not http\r\n\r\n'));
        const gport = await new Promise((r) => garbage.listen(0, '127.0.0.1', () => r(garbage.address().port)));
        try {
            const r = await probe('http', { host: '127.0.0.1', port: gport }, {});
            assert.deepEqual([r.ok, r.reason], [false, 'protocol']);
        }
        finally {
            garbage.close();
        }
    });
});
describe('https probe', () => {
    let server;
    let port;
    const sni = [];
    before(async () => {
        const { key, cert } = selfSignedCert(['www.example.com']);
        server = https.createServer({ key, cert }, (req, res) => res.writeHead(200).end('secure ok'));
        server.on('secureConnection', (s) => sni.push(String(s.servername)));
        port = await new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
    });
    after(() => server.close());
    it('fails certificate verification by default on a self-signed certificate', async () => {
        const r = await probe('https', { host: '127.0.0.1', port }, { virtualHost: 'www.example.com' });
        assert.deepEqual([r.ok, r.reason], [false, 'tls']);
    });
    it('passes with tlsVerify off and sends the virtual host as SNI', async () => {
        sni.length = 0;
        const r = await probe('https', { host: '127.0.0.1', port }, { virtualHost: 'www.example.com', tlsVerify: false, expectBody: 'secure' });
        assert.equal(r.ok, true, r.detail);
        assert.deepEqual(sni, ['www.example.com']);
    });
});
describe('http probe timeouts', () => {
    let blackhole;
    before(() => (blackhole = createBlackhole()));
    after(() => blackhole.close());
    it('times out when SYNs are dropped', async () => {
        const r = await probe('http', { host: blackhole.address, port: 80 }, {}, 300);
        assert.deepEqual([r.ok, r.reason], [false, 'timeout']);
    });
});
//# sourceMappingURL=probe-http.test.js.map