import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fpmSpec, parseStatusAddress } from '../../src/probes/fpm.js';
import { probe } from '../helpers/probe.js';

describe('fpm check: status fields', () => {
  it('takes a unix socket, host:port, [v6]:port and :port (the real server\'s own address)', () => {
    assert.deepEqual(parseStatusAddress('/run/php/status.sock'), { path: '/run/php/status.sock' });
    assert.deepEqual(parseStatusAddress('10.0.0.5:9001'), { host: '10.0.0.5', port: 9001 });
    assert.deepEqual(parseStatusAddress('[2001:db8::1]:9001'), { host: '2001:db8::1', port: 9001 });
    assert.deepEqual(parseStatusAddress(':9001'), { host: undefined, port: 9001 });
  });
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ statusPath: '/status', statusAddress: 'php-host:9001' }, /expected an IP address/],
    [{ statusPath: '/status', statusAddress: '10.0.0.5' }, /needs a port/],
    [{ statusPath: '/status', statusAddress: ':0' }, /1-65535/],
    [{ statusPath: '/status', statusAddress: ':70000' }, /1-65535/],
    [{ statusAddress: ':9001' }, /statusAddress needs statusPath/],
    [{ weightByQueue: { from: 0, to: 4 } }, /weightByQueue needs statusPath/],
    [{ ping: false }, /ping: false needs statusPath/],
    [{ statusPath: '/status', maxListenQueue: 4, weightByQueue: { from: 0, to: 8 } }, /weightByQueue.to is above maxListenQueue/],
    [{ statusPath: '/status', statusAddress: ':9001', socket: '/run/php/www.sock', maxListenQueue: 4 }, /unix socket .*need a TCP pool/],
    [{ statusPath: '/status', socket: '/run/php/www.sock', weightByQueue: { from: 0, to: 8 } }, /unix socket .*need a TCP pool/],
  ];
  for (const [spec, message] of bad) {
    it(`refuses ${JSON.stringify(spec)}`, () => {
      const r = fpmSpec.safeParse(spec);
      assert.equal(r.success, false);
      assert.match(JSON.stringify(r.error?.issues), message);
    });
  }
  it('takes a full status-listen spec', () => {
    const s = fpmSpec.parse({ statusPath: '/status', statusAddress: ':9001', maxListenQueue: 20, weightByQueue: { from: 2, to: 20, floorPercent: 0 } });
    assert.equal(s.ping, true);
    assert.deepEqual(s.weightByQueue, { from: 2, to: 20, floorPercent: 0 });
  });
});

/** FastCGI stdout + END_REQUEST, as a php-fpm would frame `body`. */
function fcgiAnswer(headers: string, body: string | Buffer): Buffer {
  const content = Buffer.concat([Buffer.from(`${headers}\r\n\r\n`), Buffer.from(body)]);
  const recs: Buffer[] = [];
  for (let off = 0; off < content.length; off += 0xfff8) {
    const part = content.subarray(off, off + 0xfff8);
    const h = Buffer.from([1, 6, 0, 1, 0, 0, 0, 0]);
    h.writeUInt16BE(part.length, 4);
    recs.push(h, part);
  }
  recs.push(Buffer.from([1, 3, 0, 1, 0, 8, 0, 0]), Buffer.alloc(8));
  return Buffer.concat(recs);
}

describe('fpm check against a hostile status socket', () => {
  // From this helper's own port range (fpmstatus: 24500-24999).
  const STATUS_PORT = 24530;
  const POOL_PORT = 24531;
  let answer: Buffer = Buffer.alloc(0);
  let pings = 0;
  // The check hangs up on an answer it will not read to the end: the fake's sockets ignore that.
  const status = net.createServer((s) => s.on('error', () => {}).once('data', () => s.end(answer)));
  const pool = net.createServer((s) =>
    s.on('error', () => {}).once('data', () => {
      pings++;
      s.end(fcgiAnswer('Content-type: text/plain', 'pong'));
    }),
  );
  before(async () => {
    await new Promise<void>((r) => status.listen(STATUS_PORT, '127.0.0.1', r));
    await new Promise<void>((r) => pool.listen(POOL_PORT, '127.0.0.1', r));
  });
  after(() => {
    status.close();
    pool.close();
  });
  const target = { host: '127.0.0.1', port: POOL_PORT };
  const spec = { statusPath: '/status', statusAddress: `:${STATUS_PORT}`, maxListenQueue: 3, weightByQueue: { from: 0, to: 3 } };
  const page = (queue: unknown, len = 511) => JSON.stringify({ 'listen queue': queue, 'listen queue len': len, 'active processes': 2, 'idle processes': 0, 'total processes': 2 });

  it('passes with the weight a readable queue asks for (the fake can say yes)', async () => {
    answer = fcgiAnswer('Content-Type: application/json', page(1));
    const r = await probe('fpm', target, spec);
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.weightPercent, 70);
    assert.equal(r.detail, 'pong (listen queue 1, active 2/2, idle 0, max children reached 0, slow 0), weight 70%');
  });
  it('says so when php-fpm reports no queue size (it measured nothing)', async () => {
    answer = fcgiAnswer('Content-Type: application/json', page(0, 0));
    const r = await probe('fpm', target, spec);
    assert.equal(r.ok, true, r.detail);
    assert.match(r.detail, /does not measure this pool's listen queue/);
    answer = fcgiAnswer('Content-Type: application/json', page(0));
    assert.doesNotMatch((await probe('fpm', target, spec)).detail, /does not measure/);
  });
  it('takes the server out over the queue limit without sending the ping into that queue', async () => {
    answer = fcgiAnswer('Content-Type: application/json', page(4));
    const before = pings;
    const r = await probe('fpm', target, spec);
    assert.deepEqual([r.ok, r.reason], [false, 'status']);
    assert.equal(r.fpmPool?.listenQueue, 4);
    assert.equal(pings, before);
  });
  const garbage: Array<[string, Buffer, RegExp]> = [
    ['a queue that is a word', fcgiAnswer('Content-Type: application/json', page('none')), /"listen queue" is not a count/],
    ['an HTML page', fcgiAnswer('Content-Type: text/html', '<h1>Welcome to nginx</h1>'), /not "name: value"/],
    ['a 403 from security.limit_extensions', fcgiAnswer('Status: 403 Forbidden', 'Access denied.'), /status 403 for \/status/],
    ['HTTP instead of FastCGI', Buffer.from('HTTP/1.1 200 OK\r\n\r\n{}'), /bad FastCGI version/],
    ['a megabyte of status', fcgiAnswer('Content-Type: application/json', Buffer.alloc(1 << 20, 0x20)), /larger than/],
  ];
  for (const [name, bytes, reason] of garbage) {
    it(`fails on ${name}, naming the status address, and sets no weight`, async () => {
      answer = bytes;
      const r = await probe('fpm', target, spec, 2000);
      assert.equal(r.ok, false);
      assert.equal(r.error, undefined);
      assert.equal(r.weightPercent, undefined);
      assert.equal(r.fpmPool, undefined);
      assert.match(r.detail, new RegExp(`^status at :${STATUS_PORT}: `));
      assert.match(r.detail, reason);
    });
  }
});
