import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, beforeEach, describe, it } from 'node:test';
import { listenOn } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';
import { selfSignedCert } from '../helpers/tls-cert.js';

/** What a server saw of one request. */
interface Seen {
  server: string;
  method: string;
  url: string;
  host: string;
  cookie?: string;
  custom?: string;
  authorization?: string;
  sni?: string;
}

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * ldirectord's check_http follows redirects through LWP::UserAgent (max_redirect 7,
 * GET and HEAD only); rsguard follows them on its own client. Every case runs
 * against real loopback servers: A on 127.0.0.1, B on 127.0.0.2 (another host),
 * S an HTTPS server on 127.0.0.1 whose certificate is for "localhost".
 */
describe('http checks follow redirects as LWP does, on rsguard\'s own client', () => {
  const seen: Seen[] = [];
  const routes = new Map<string, Route>();
  const servers: Array<http.Server | https.Server> = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-redirects-'));
  const ca = path.join(dir, 'ca.pem');
  let a = 0;
  let b = 0;
  let s = 0;
  /** A port in this suite's own range that nothing listens on (checked in before()). */
  const DEAD = 23501;

  const handler = (name: string) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push({
      server: name,
      method: req.method ?? '',
      url: req.url ?? '',
      host: req.headers.host ?? '',
      ...(req.headers.cookie ? { cookie: req.headers.cookie } : {}),
      ...(req.headers['x-custom'] ? { custom: String(req.headers['x-custom']) } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...((req.socket as TLSSocket).encrypted ? { sni: String((req.socket as TLSSocket).servername) } : {}),
    });
    const route = routes.get(`${name} ${(req.url ?? '').replace(/\?.*/, '')}`) ?? routes.get(`${name} *`);
    if (route) return route(req, res);
    res.writeHead(404).end('no route');
  };
  const redirect = (status: number, location: string | undefined): Route => (_q, res) => {
    res.writeHead(status, location === undefined ? {} : { Location: location }).end('moved');
  };
  const ok: Route = (_q, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('all good here');

  before(async () => {
    const dead = await new Promise<boolean>((resolve) => {
      const c = net.connect(DEAD, '127.0.0.1');
      c.once('connect', () => (c.destroy(), resolve(false)));
      c.once('error', () => resolve(true));
    });
    assert.ok(dead, `port ${DEAD} must be free for the dead-port case`);
    const cert = selfSignedCert(['localhost']);
    writeFileSync(ca, cert.cert);
    const A = http.createServer(handler('A'));
    const B = http.createServer(handler('B'));
    const S = https.createServer({ key: cert.key, cert: cert.cert }, handler('S'));
    servers.push(A, B, S);
    a = await listenOn(A);
    b = await listenOn(B, '127.0.0.2');
    s = await listenOn(S);
  });
  after(async () => {
    for (const srv of servers) {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    seen.length = 0;
    routes.clear();
  });

  const A = () => ({ host: '127.0.0.1', port: a });
  /** /hop/1 → /hop/2 → ... → /hop/n answers 200: n - 1 redirects. */
  function chain(n: number): void {
    for (let i = 1; i < n; i++) routes.set(`A /hop/${i}`, redirect(302, `/hop/${i + 1}`));
    routes.set(`A /hop/${n}`, ok);
  }

  it('a chain of 7 redirects (LWP\'s max_redirect) passes; an 8th fails on the redirect status', async () => {
    chain(8);
    const within = await probe('http', A(), { path: '/hop/1', followRedirects: true, expectBodyRegex: 'good' });
    assert.equal(within.ok, true, within.detail);
    assert.match(within.detail, /after 7 redirects, at http:\/\/127\.0\.0\.1:\d+\/hop\/8/);
    assert.equal(seen.length, 8, 'every hop asked, on a fresh connection each');

    seen.length = 0;
    routes.clear();
    chain(9);
    const beyond = await probe('http', A(), { path: '/hop/1', followRedirects: true });
    assert.deepEqual([beyond.ok, beyond.reason], [false, 'status'], beyond.detail);
    assert.match(beyond.detail, /HTTP 302 .*redirect limit 7 reached/);
    assert.deepEqual(seen.map((x) => x.url), ['/hop/1', '/hop/2', '/hop/3', '/hop/4', '/hop/5', '/hop/6', '/hop/7', '/hop/8'], 'the 8th answer is judged, /hop/9 never asked');
  });

  it('maxRedirects sets another limit', async () => {
    chain(3);
    assert.equal((await probe('http', A(), { path: '/hop/1', followRedirects: true, maxRedirects: 2 })).ok, true);
    const r = await probe('http', A(), { path: '/hop/1', followRedirects: true, maxRedirects: 1 });
    assert.match(r.detail, /redirect limit 1 reached/);
  });

  it('a relative Location is read against the URL asked; an absolute one goes to its host, with Host from the new URL', async () => {
    routes.set('A /a/b/start', redirect(301, '../c/next?x=1'));
    routes.set('A /a/c/next', redirect(307, `http://127.0.0.2:${b}/there`));
    routes.set('B /there', redirect(308, '/home'));
    routes.set('B /home', ok);
    const r = await probe('http', A(), { path: '/a/b/start', followRedirects: true, virtualHost: 'www.example.com', headers: { 'X-Custom': 'kept', Cookie: 'dropped=1' } });
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual(
      seen.map((x) => [x.server, x.url, x.host, x.custom, x.cookie]),
      [
        ['A', '/a/b/start', 'www.example.com', 'kept', 'dropped=1'],
        // LWP drops Host and Cookie from a referral: Host is the new URL's authority from then on.
        ['A', '/a/c/next?x=1', `127.0.0.1:${a}`, 'kept', undefined],
        ['B', '/there', `127.0.0.2:${b}`, 'kept', undefined],
        ['B', '/home', `127.0.0.2:${b}`, 'kept', undefined],
      ],
    );
  });

  it('Content-Base is the base of a relative Location; a missing Location asks the same URL again', async () => {
    routes.set('A /based', (_q, res) => res.writeHead(302, { Location: 'inside', 'Content-Base': '/elsewhere/' }).end());
    routes.set('A /elsewhere/inside', ok);
    assert.equal((await probe('http', A(), { path: '/based', followRedirects: true })).ok, true);
    let n = 0;
    routes.set('A /again', (q, res) => (n++ === 0 ? redirect(302, undefined)(q, res) : ok(q, res)));
    assert.equal((await probe('http', A(), { path: '/again', followRedirects: true })).ok, true);
    assert.deepEqual(seen.slice(-2).map((x) => x.url), ['/again', '/again']);
  });

  it('HEAD is redirected as HEAD and GET as GET; a POST is not redirected', async () => {
    chain(3);
    assert.equal((await probe('http', A(), { path: '/hop/1', method: 'HEAD', followRedirects: true })).ok, true);
    assert.deepEqual(seen.map((x) => x.method), ['HEAD', 'HEAD', 'HEAD']);
    seen.length = 0;
    assert.equal((await probe('http', A(), { path: '/hop/1', method: 'GET', followRedirects: true })).ok, true);
    assert.deepEqual(seen.map((x) => x.method), ['GET', 'GET', 'GET']);
    seen.length = 0;
    const post = await probe('http', A(), { path: '/hop/1', method: 'POST', followRedirects: true });
    assert.deepEqual([post.ok, post.reason], [false, 'status'], post.detail);
    assert.match(post.detail, /HTTP 302 .*a POST is not redirected/);
    assert.deepEqual(seen.map((x) => [x.method, x.url]), [['POST', '/hop/1']]);
  });

  it('a redirect to a dead port is a failure (refused), naming the hop', async () => {
    routes.set('A /gone', redirect(302, `http://127.0.0.1:${DEAD}/x`));
    const r = await probe('http', A(), { path: '/gone', followRedirects: true });
    assert.deepEqual([r.ok, r.reason, r.error], [false, 'refused', undefined], r.detail);
    assert.match(r.detail, new RegExp(`after 1 redirect to http://127\\.0\\.0\\.1:${DEAD}/x`));
  });

  it('the whole chain runs inside the check timeout: hops each well inside it time out together', async () => {
    const slow: Route = (q, res) => setTimeout(() => (q.url === '/slow/6' ? ok(q, res) : redirect(302, `/slow/${Number(q.url!.split('/')[2]) + 1}`)(q, res)), 250);
    routes.set('A *', slow);
    const one = await probe('http', A(), { path: '/slow/6', followRedirects: true }, 1000);
    assert.equal(one.ok, true, `one 250 ms hop fits in 1 s: ${one.detail}`);
    seen.length = 0;
    const r = await probe('http', A(), { path: '/slow/1', followRedirects: true }, 1000);
    assert.deepEqual([r.ok, r.reason], [false, 'timeout'], r.detail);
    assert.ok(r.durationMs >= 990 && r.durationMs < 1400, `timed out at the check's 1 s deadline, not per hop: ${r.durationMs} ms`);
    assert.ok(seen.length >= 3 && seen.length <= 5, `hops 1-4 asked before the deadline: ${seen.length}`);
  });

  it('http to https keeps the TLS options: the CA and verification hold on the new hop, SNI is the new host unless set', async () => {
    routes.set('A /secure', redirect(302, `https://localhost:${s}/tls`));
    routes.set('S /tls', ok);
    const unverified = await probe('http', A(), { path: '/secure', followRedirects: true });
    assert.deepEqual([unverified.ok, unverified.reason], [false, 'tls'], `the system CAs do not know this certificate: ${unverified.detail}`);
    const r = await probe('http', A(), { path: '/secure', followRedirects: true, tlsCa: ca });
    assert.equal(r.ok, true, r.detail);
    assert.equal(seen.at(-1)!.sni, 'localhost');
    assert.equal(seen.at(-1)!.host, `localhost:${s}`);
    const off = await probe('http', A(), { path: '/secure', followRedirects: true, tlsVerify: false });
    assert.equal(off.ok, true, `tlsVerify: false holds on every hop: ${off.detail}`);
    // An explicit SNI is kept on every hop, as LWP keeps its ssl_opts; the certificate must then carry that name.
    const named = await probe('http', A(), { path: '/secure', followRedirects: true, tlsCa: ca, tlsServerName: 'other.example' });
    assert.deepEqual([named.ok, named.reason], [false, 'tls'], named.detail);
    assert.match(named.detail, /Host: other\.example\. is not in the cert's altnames.*after 1 redirect to https:\/\/localhost/);
  });

  it('https to http and credentials in a Location: Basic authorization as LWP sends it', async () => {
    routes.set('S /down', redirect(301, `http://user:p%40ss@127.0.0.2:${b}/auth`));
    routes.set('B /auth', ok);
    const r = await probe('https', { host: '127.0.0.1', port: s }, { path: '/down', followRedirects: true, tlsCa: ca, virtualHost: 'localhost' });
    assert.equal(r.ok, true, r.detail);
    assert.equal(seen.at(-1)!.authorization, `Basic ${Buffer.from('user:p@ss').toString('base64')}`);
  });

  it('a scheme other than http and https ends the chain: the redirect is the answer', async () => {
    routes.set('A /ftp', redirect(302, 'ftp://127.0.0.1/file'));
    const r = await probe('http', A(), { path: '/ftp', followRedirects: true });
    assert.deepEqual([r.ok, r.reason], [false, 'status']);
    assert.match(r.detail, /redirect to ftp:\/\/127\.0\.0\.1\/file not followed/);
  });

  it('without followRedirects a redirect is judged as it is', async () => {
    chain(2);
    const r = await probe('http', A(), { path: '/hop/1' });
    assert.deepEqual([r.ok, r.reason, seen.length], [false, 'status', 1]);
  });

  it('http_proxy: an http redirect goes through the same proxy again', async () => {
    // A is the "proxy": it is asked in absolute form and answers for any URL.
    routes.set('A http://www.example/old', redirect(302, 'http://www.example/new'));
    routes.set('A http://www.example/new', ok);
    const r = await probe('http_proxy', A(), { url: 'http://www.example/old', followRedirects: true, expectBodyRegex: 'good' });
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual(seen.map((x) => [x.server, x.url, x.host]), [['A', 'http://www.example/old', 'www.example'], ['A', 'http://www.example/new', 'www.example']]);
  });
});
