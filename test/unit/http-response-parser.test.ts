import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRequest } from '../../src/probes/http-client.js';
import { HttpProtocolError, HttpResponseParser } from '../../src/probes/http-response-parser.js';

/** Feeds the response in pieces of `step` bytes (1 = byte by byte) and ends the stream if asked. */
function parse(raw: string, { step = raw.length, head = false, max = 1024, end = false } = {}) {
  const p = new HttpResponseParser(head, max);
  const bytes = Buffer.from(raw, 'latin1');
  for (let i = 0; i < bytes.length && !p.done; i += step) p.push(bytes.subarray(i, i + step));
  if (end) p.end();
  return p;
}

describe('http response parser', () => {
  const table: Array<{ name: string; raw: string; body: string; status: number; end?: boolean }> = [
    { name: 'content-length', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', body: 'hello', status: 200 },
    { name: 'chunked with extensions and trailers', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n', body: 'hello world', status: 200 },
    { name: 'close-delimited', raw: 'HTTP/1.0 503 Service Unavailable\r\n\r\ndown for maintenance', body: 'down for maintenance', status: 503, end: true },
    { name: 'interim 100 Continue first', raw: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', body: '', status: 204 },
    { name: 'bare LF line ends', raw: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok', body: 'ok', status: 200 },
    { name: 'status line without a reason', raw: 'HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n', body: '', status: 404 },
    // The head is read in place, not split into a header map: names in any case, space around names and values.
    { name: 'header names in any case, padded', raw: 'HTTP/1.1 200 OK\r\nX-Length: 9\r\n cONTENT-lENGTH : 2 \r\nContent-Lengthy: 7\r\n\r\nokay', body: 'ok', status: 200 },
    { name: 'chunked last in a coding list', raw: 'HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: gzip\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n', body: 'ok', status: 200 },
    { name: 'a latin1 reason phrase', raw: 'HTTP/1.1 200 \u00e9t\u00e9\r\nContent-Length: 1\r\n\r\nx', body: 'x', status: 200 },
  ];
  for (const row of table) {
    for (const step of [1, 7, 10_000]) {
      it(`${row.name} (pieces of ${step})`, () => {
        const p = parse(row.raw, { step, end: row.end ?? false });
        assert.equal(p.done, true);
        const r = p.result();
        assert.equal(r.status, row.status);
        assert.equal(r.body.toString(), row.body);
        assert.equal(r.truncated, false);
      });
    }
  }
  it('keeps Location and the base (Content-Base, else Base) only when asked to, for redirects', () => {
    const raw = 'HTTP/1.1 302 Found\r\nBase: /b/\r\n lOCATION : /next?x=1 \r\nContent-Base: /cb/\r\nContent-Length: 0\r\n\r\n';
    const asked = new HttpResponseParser(false, 1024, true);
    asked.push(Buffer.from(raw));
    assert.deepEqual(asked.result(), { status: 302, body: Buffer.alloc(0), truncated: false, location: '/next?x=1', base: '/cb/' });
    assert.deepEqual(parse(raw).result(), { status: 302, body: Buffer.alloc(0), truncated: false }, 'the hot path keeps neither');
    const twice = new HttpResponseParser(false, 1024, true);
    twice.push(Buffer.from('HTTP/1.1 301 Moved\r\nLocation: /a\r\nLocation: /b\r\nBase: /only/\r\n\r\n'));
    assert.deepEqual([twice.result().location, twice.result().base], ['/a, /b', '/only/'], 'as HTTP::Headers joins them');
  });
  it('HEAD responses have no body even with a Content-Length', () => {
    const p = parse('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', { head: true });
    assert.equal(p.done, true);
  });
  it('keeps at most maxBodyBytes and marks the body truncated', () => {
    const p = parse(`HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(5000)}`, { max: 100 });
    assert.deepEqual([p.done, p.truncated, p.result().body.length], [true, true, 100]);
  });
  it('caps a chunked body too', () => {
    const p = parse(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n${'y'.repeat(1024)}\r\n0\r\n\r\n`, { max: 10 });
    assert.deepEqual([p.truncated, p.result().body.toString()], [true, 'yyyyyyyyyy']);
  });
  const bad: Array<{ name: string; raw: string; end?: boolean; message: RegExp }> = [
    { name: 'not HTTP at all', raw: 'SSH-2.0-OpenSSH_9.2\r\n\r\n', message: /not an HTTP\/1.x status line/ },
    { name: 'headers over 16 KiB', raw: `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(17000)}`, message: /larger than 16384/ },
    { name: 'a header line without a colon', raw: 'HTTP/1.1 200 OK\r\ngarbage\r\n\r\n', message: /malformed/ },
    { name: 'a bad Content-Length', raw: 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', message: /Content-Length/ },
    { name: 'two Content-Lengths', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok', message: /Content-Length/ },
    { name: 'a CR inside the status line', raw: 'HTTP/1.1 200 O\rK\r\n\r\n', message: /not an HTTP\/1.x status line/ },
    { name: 'a two-digit status', raw: 'HTTP/1.1 20 OK\r\n\r\n', message: /not an HTTP\/1.x status line/ },
    { name: 'a header line starting with its colon', raw: 'HTTP/1.1 200 OK\r\n: x\r\n\r\n', message: /malformed/ },
    { name: 'a bad chunk size', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', message: /chunk size/ },
    { name: 'a body cut short', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', end: true, message: /before the end of the body/ },
    { name: 'nothing at all', raw: '', end: true, message: /without a response/ },
  ];
  for (const row of bad) {
    it(`rejects ${row.name}`, () => assert.throws(() => parse(row.raw, { end: row.end ?? false }), (e: Error) => e instanceof HttpProtocolError && row.message.test(e.message)));
  }
});

describe('http check request', () => {
  it('sends Host, Connection: close and the configured headers, and drops header injection', () => {
    const text = buildRequest({ tls: false, host: '10.0.0.2', port: 80, method: 'GET', path: '/health', hostHeader: 'www.example.com', headers: { 'X-Check': 'rsguard', 'X-Bad': 'a\r\nInjected: 1', Connection: 'keep-alive' }, tlsVerify: true, needBody: false, maxBodyBytes: 1 });
    assert.equal(text, 'GET /health HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: rsguard\r\nAccept: */*\r\nConnection: close\r\nX-Check: rsguard\r\n\r\n');
  });
});
