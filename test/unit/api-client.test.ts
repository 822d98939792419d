import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { ApiRefused, apiCall } from '../../src/cli/api-client.js';
import { freePort, listenOn } from '../helpers/ports.js';

const base = (port: number) => `http://127.0.0.1:${port}`;

/** The commands' API client (got) against loopback servers. */
describe('CLI API client', () => {
  it('retries a write only while the daemon is not there yet; an answer, even 500, is never repeated', async () => {
    const port = await freePort();
    let posts = 0;
    const server = http.createServer((req, res) => {
      posts++;
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'boom' }));
    });
    // The daemon comes up 300 ms after the first try: the retries reach it.
    setTimeout(() => server.listen(port, '127.0.0.1'), 300);
    await assert.rejects(apiCall(base(port), '/api/drain', { method: 'POST', json: { vs: 'a', rs: 'b' }, timeoutMs: 5000, retries: 3 }), (err: unknown) => err instanceof ApiRefused && err.status === 500 && /boom/.test(err.message));
    assert.equal(posts, 1, 'the 500 answer was not retried');
    server.close();
  });

  it('with no retries a refused connection fails at once, naming the code', async () => {
    const port = await freePort();
    await assert.rejects(apiCall(base(port), '/api/status', { timeoutMs: 2000 }), /ECONNREFUSED/);
  });

  it('anyStatus gives the body of a 503 (health says why it is sick); the token goes as a bearer', async () => {
    let auth: string | undefined;
    const server = http.createServer((req, res) => {
      auth = req.headers.authorization;
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, detail: 'no checks ran' }));
    });
    const port = await listenOn(server);
    const r = await apiCall<{ ok: boolean; detail: string }>(base(port), '/api/health', { timeoutMs: 2000, anyStatus: true, token: 't0k' });
    assert.deepEqual([r.status, r.body.ok, r.body.detail, auth], [503, false, 'no checks ran', 'Bearer t0k']);
    server.close();
  });
});
