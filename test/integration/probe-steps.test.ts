import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { listenOn } from '../helpers/ports.js';
import { probe } from '../helpers/probe.js';
import { selfSignedCert } from '../helpers/tls-cert.js';

const quiet = (s: net.Socket) => s.on('error', () => {});
const at = (port: number) => ({ host: '127.0.0.1', port });

describe('tcp probe steps, as HAProxy runs its tcp-check rules (tcpcheck.c)', () => {
  const servers: net.Server[] = [];
  const serve = async (onConn: (s: net.Socket) => void) => {
    const s = net.createServer((c) => onConn(quiet(c)));
    servers.push(s);
    return listenOn(s);
  };
  after(() => servers.forEach((s) => s.close()));

  it('a send drops what came before it; the expect after it looks only at the reply (tcpcheck_eval_send releases the buffer)', async () => {
    const port = await serve((s) => {
      s.write('+PONG banner\r\n');
      s.on('data', (d) => s.end(d.toString().startsWith('PING') ? '-ERR\r\n' : '?\r\n'));
    });
    const r = await probe('tcp', at(port), { steps: [{ step: 'expect', string: 'banner' }, { step: 'send', data: 'PING\r\n' }, { step: 'expect', string: '+PONG' }] });
    assert.equal(r.ok, false, r.detail);
    assert.match(r.detail, /step 4: expect string "\+PONG" failed/);
  });

  it('a run of expects is judged again as more arrives, in pieces (configuration.txt "tcp-check expect")', async () => {
    const port = await serve((s) => {
      s.write('role:');
      setTimeout(() => s.write('master\r\n+OK'), 50);
    });
    const r = await probe('tcp', at(port), { steps: [{ step: 'expect', string: '+OK' }, { step: 'expect', regex: 'role:(master|slave)' }] });
    assert.equal(r.ok, true, r.detail);
  });

  it('a negated expect passes once the server closes without the pattern, and only then (min-recv -1)', async () => {
    const closes = await serve((s) => s.end('220 ready\r\n'));
    const hangs = await serve((s) => s.write('220 ready\r\n'));
    const says = await serve((s) => s.end('500 ERR\r\n'));
    const step = { steps: [{ step: 'expect', string: 'ERR', not: true }] };
    assert.equal((await probe('tcp', at(closes), step)).ok, true);
    const hung = await probe('tcp', at(hangs), step, 300);
    assert.deepEqual([hung.ok, hung.reason], [false, 'timeout']);
    assert.equal((await probe('tcp', at(says), step)).ok, false);
  });

  it('binary send and expect, and rbinary on the upper-case hex of the reply (dump_binary)', async () => {
    const port = await serve((s) => s.on('data', (d) => (d.equals(Buffer.from('50494e470d0a', 'hex')) ? s.end(Buffer.from([0x2b, 0x50, 0x4f, 0x4e, 0x47, 0x00, 0xff])) : s.end('no'))));
    const r = await probe('tcp', at(port), { steps: [{ step: 'send', hex: '50494e470d0a' }, { step: 'expect', hex: '2b504F4e47' }, { step: 'expect', hexRegex: '00FF$' }] });
    assert.equal(r.ok, true, r.detail);
  });

  it('an empty reply fails an expect, negated or not', async () => {
    const port = await serve((s) => s.end());
    const r = await probe('tcp', at(port), { steps: [{ step: 'expect', string: 'x', not: true }] });
    assert.match(r.detail, /empty response/);
  });

  it('a connect step on another port, and one over TLS with the check CA', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-steps-'));
    try {
      const cert = selfSignedCert(['127.0.0.1']);
      writeFileSync(path.join(dir, 'ca.pem'), cert.cert);
      const secure = tls.createServer(cert, (s) => quiet(s).end('hello'));
      servers.push(secure);
      const tlsPort = await listenOn(secure);
      const plain = await serve((s) => s.end());
      const spec = { tlsCa: path.join(dir, 'ca.pem'), steps: [{ step: 'connect' }, { step: 'connect', port: tlsPort, tls: true }, { step: 'expect', string: 'hello' }] };
      assert.equal((await probe('tcp', at(plain), spec)).ok, true);
      const untrusted = await probe('tcp', at(plain), { ...spec, tlsCa: undefined });
      assert.deepEqual([untrusted.ok, untrusted.reason], [false, 'tls']);
      const closed = await probe('tcp', at(plain), { steps: [{ step: 'connect' }, { step: 'connect', port: 1 }] });
      assert.deepEqual([closed.ok, closed.reason], [false, 'refused']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('min-recv: judged once that many bytes are in, and a miss is then final (reg-tests/checks/tcp-check_min-recv.vtc be1, be2)', async () => {
    // The vtc's servers: "valid", "valid" again after the 10 bytes sent, and no close before the check's timeout.
    const port = await serve((s) => {
      s.write('valid');
      s.on('data', () => s.write('valid'));
      setTimeout(() => s.end(), 1500).unref();
    });
    const steps = (minRecv?: number) => ({ steps: [{ step: 'expect', regex: '^error', not: true, ...(minRecv === undefined ? {} : { minRecv }) }, { step: 'expect', string: 'valid' }, { step: 'send', data: '0123456789' }, { step: 'expect', string: 'valid' }] });
    // be1: without min-recv a negated rule waits for the close, which does not come in time.
    const be1 = await probe('tcp', at(port), steps(), 300);
    assert.deepEqual([be1.ok, be1.reason], [false, 'timeout'], be1.detail);
    const be2 = await probe('tcp', at(port), steps(5), 300);
    assert.equal(be2.ok, true, be2.detail);
    // More than comes: it waits (and times out); a miss with min-recv is final at once, not a timeout.
    const six = await probe('tcp', at(port), steps(6), 300);
    assert.deepEqual([six.ok, six.reason], [false, 'timeout'], six.detail);
    const miss = await probe('tcp', at(port), { steps: [{ step: 'expect', string: 'nope', minRecv: 5 }] }, 300);
    assert.deepEqual([miss.ok, miss.reason], [false, 'body'], miss.detail);
    assert.match(miss.detail, /min-recv 5 string "nope"/);
  });

  it('refuses a step with two patterns, and steps beside send/expect', async () => {
    await assert.rejects(() => probe('tcp', at(1), { steps: [{ step: 'expect', string: 'a', regex: 'b' }] }), /set one of string/);
    await assert.rejects(() => probe('tcp', at(1), { send: 'x', steps: [{ step: 'connect' }] }), /set steps or send/);
  });
});

describe('http probe body and expect rules, and the TLS checks of HAProxy', () => {
  let server: http.Server;
  let port: number;
  let lastBody = '';
  let lastLength: string | undefined;
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        lastBody = body;
        lastLength = req.headers['content-length'];
        if (req.url === '/empty') return void res.writeHead(204).end();
        res.writeHead(req.url === '/err' ? 500 : 200).end(req.url === '/err' ? 'SQL Error near x' : 'all ok <!--tag:a1--></html>');
      });
    });
    port = await listenOn(server);
  });
  after(() => server.close());

  it('sends the body with its Content-Length whatever the method (configuration.txt "http-check send body")', async () => {
    const r = await probe('http', at(port), { method: 'OPTIONS', body: 'ping' });
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual([lastBody, lastLength], ['ping', '4']);
  });

  it('every rule must hold, in order; negated rules fail on a match (configuration.txt "http-check expect" examples)', async () => {
    const rules = [{ status: [200, '300-310'] }, { body: 'SQL Error', not: true }, { bodyRegex: '<!--tag:[0-9a-f]*--></html>' }, { statusRegex: '^5', not: true }];
    assert.equal((await probe('http', at(port), { path: '/', expectStatus: ['000-999'], expectRules: rules })).ok, true);
    const err = await probe('http', at(port), { path: '/err', expectStatus: ['000-999'], expectRules: rules.slice(1) });
    assert.deepEqual([err.ok, err.reason], [false, 'body']);
    assert.match(err.detail, /unwanted body containing "SQL Error"/);
  });

  it('header rules and templates read the response\'s headers (reg-tests/checks/http-check-expect.vtc)', async () => {
    const srv = http.createServer((req, res) => {
      res.setHeader('x-test1', 'true, next value');
      res.setHeader('x-hdr-name', req.url === '/gone' ? 'x-absent' : 'x-test1');
      res.writeHead(202).end();
    });
    const p = await listenOn(srv);
    try {
      const rules = [{ header: { name: 'x-test1', value: 'next value' } }, { header: { name: [{ header: 'x-hdr-name', full: true }], value: 'true, next value', full: true } }];
      const ok = await probe('http', at(p), { path: '/', expectStatus: ['000-999'], expectRules: rules });
      assert.equal(ok.ok, true, ok.detail);
      const gone = await probe('http', at(p), { path: '/gone', expectStatus: ['000-999'], expectRules: rules });
      assert.deepEqual([gone.ok, gone.reason], [false, 'body']);
      assert.match(gone.detail, /expected fhdr name template value "true, next value"/);
      const not = await probe('http', at(p), { path: '/', expectStatus: ['000-999'], expectRules: [{ header: { name: 'x-test1', value: 'true, next value' }, not: true }] });
      assert.equal(not.ok, true, not.detail);
    } finally {
      srv.close();
    }
  });

  it('a body rule on an empty body fails, negated or not ("could not find a response body")', async () => {
    const r = await probe('http', at(port), { path: '/empty', expectStatus: ['000-999'], expectRules: [{ body: 'x', not: true }] });
    assert.equal(r.ok, false);
  });

  it('https: verifies the chain only when told no name (tlsVerifyHost false), sends no SNI with tlsServerName false, and presents a client certificate', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-https-'));
    const cert = selfSignedCert(['other.test']);
    const client = selfSignedCert(['client.test']);
    writeFileSync(path.join(dir, 'ca.pem'), cert.cert);
    writeFileSync(path.join(dir, 'client.pem'), client.cert + client.key);
    let sni: string | false | null | undefined;
    let peer = '';
    const secure = https.createServer({ ...cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const sock = req.socket as tls.TLSSocket;
      sni = sock.servername;
      peer = String(sock.getPeerCertificate().subject?.CN ?? '');
      res.end('ok');
    });
    const tlsPort = await listenOn(secure);
    try {
      const base = { tlsCa: path.join(dir, 'ca.pem') };
      const byAddress = await probe('https', at(tlsPort), base);
      assert.deepEqual([byAddress.ok, byAddress.reason], [false, 'tls'], 'the certificate does not name 127.0.0.1');
      const chainOnly = await probe('https', at(tlsPort), { ...base, tlsVerifyHost: false, tlsServerName: false, virtualHost: 'www.example', tlsCert: path.join(dir, 'client.pem') });
      assert.equal(chainOnly.ok, true, chainOnly.detail);
      assert.deepEqual([sni, peer], [false, 'client.test']);
      const wrongSni = await probe('https', at(tlsPort), { ...base, tlsServerName: 'wrong.test' });
      assert.equal(wrongSni.ok, false);
      const rightSni = await probe('https', at(tlsPort), { ...base, tlsServerName: 'other.test' });
      assert.equal(rightSni.ok, true, rightSni.detail);
      assert.equal(sni, 'other.test');
    } finally {
      secure.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
