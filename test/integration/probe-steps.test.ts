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
