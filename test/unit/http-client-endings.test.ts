import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { httpCheck, type HttpCheckRequest } from '../../src/probes/http-client.js';

/**
 * How a plain HTTP exchange ends when the server does not answer in full:
 * the parser's error for a cut answer, the signal's own reason at the
 * deadline. Raw loopback servers that misbehave on purpose, each on a path.
 */
describe('plain HTTP check endings', () => {
  let server: net.Server;
  let port: number;

  before(async () => {
    server = net.createServer((sock) => {
      sock.once('data', (d) => {
        const path = /^GET (\S+)/.exec(d.toString('latin1'))?.[1];
        if (path === '/nothing') sock.end();
        else if (path === '/half-head') sock.end('HTTP/1.1 200 OK\r\nContent-Le');
        else if (path === '/short-body') sock.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
        else if (path === '/ok') sock.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        // /silent: never answers.
      });
      sock.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  const request = (path: string): HttpCheckRequest => ({ tls: false, host: '127.0.0.1', port, method: 'GET', path, hostHeader: `127.0.0.1:${port}`, headers: {}, tlsVerify: true, needBody: true, maxBodyBytes: 1024 });
  const failure = (path: string, signal = new AbortController().signal) => httpCheck(request(path), signal).then(() => 'answered', (err: Error) => err.message);

  it('reads a whole answer', async () => {
    const res = await httpCheck(request('/ok'), new AbortController().signal);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'ok');
  });

  it("says where a cut answer ended: no response, inside the head, before the body's end", async () => {
    assert.equal(await failure('/nothing'), 'connection closed without a response');
    assert.equal(await failure('/half-head'), 'connection closed inside the response headers');
    assert.equal(await failure('/short-body'), 'connection closed before the end of the body');
  });

  it("rejects with the signal's own reason at the deadline", async () => {
    const ac = new AbortController();
    const pending = failure('/silent', ac.signal);
    setTimeout(() => ac.abort(new Error('the probe deadline')), 100);
    assert.equal(await pending, 'the probe deadline');
    const already = new AbortController();
    already.abort(new Error('aborted before the start'));
    assert.equal(await failure('/ok', already.signal), 'aborted before the start');
  });
});
