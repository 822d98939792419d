import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { loadYamlText } from '../../src/config/load.js';
import { describeRedisTarget, parseRedisTarget } from '../../src/config/redis-target.js';
import { resolveRedisTarget } from '../../src/scheduler/resolve-redis.js';

const VS = 'virtualServices:\n  - name: web\n    address: 192.0.2.1:80\n    realServers: [{ address: 127.0.0.1:80 }]\n';
const queueOf = (queue: string) => loadYamlText('q.yaml', `${queue}\n${VS}`).queue;
function errorsOf(queue: string): string[] {
  try {
    loadYamlText('q.yaml', `${queue}\n${VS}`);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map(formatIssue);
  }
  assert.fail('loaded without error');
}

describe('queue.redis: one server or a Sentinel set', () => {
  it('a redis:// or rediss:// URL is one server, as before', () => {
    assert.deepEqual(queueOf('queue: { redis: "redis://:pw@10.0.0.5:6380/2" }').redis, { kind: 'url', url: 'redis://:pw@10.0.0.5:6380/2' });
    assert.deepEqual(parseRedisTarget('rediss://r.example:6379'), { kind: 'url', url: 'rediss://r.example:6379' });
  });

  it('redis+sentinel:// lists the Sentinels, then the primary\'s name and a database', () => {
    assert.deepEqual(parseRedisTarget('redis+sentinel://10.0.0.1:26380,[2001:db8::7],sentinel-3.example/mymaster/3'), {
      kind: 'sentinel',
      sentinels: [{ host: '10.0.0.1', port: 26380 }, { host: '2001:db8::7', port: 26379 }, { host: 'sentinel-3.example', port: 26379 }],
      name: 'mymaster',
      db: 3,
    });
  });

  it('redis+sentinel:// takes the password before @ (a user too) and the Sentinels\' own as a parameter; rediss+ is TLS', () => {
    assert.deepEqual(parseRedisTarget('rediss+sentinel://app:p%40ss@10.0.0.1:26379/main?sentinelPassword=s3'), {
      kind: 'sentinel',
      sentinels: [{ host: '10.0.0.1', port: 26379 }],
      name: 'main',
      username: 'app',
      password: 'p@ss',
      sentinelPassword: 's3',
      tls: true,
    });
    assert.equal(describeRedisTarget(parseRedisTarget('redis+sentinel://:secret@10.0.0.1:26379/main') as never), 'redis+sentinel://***@10.0.0.1:26379/main');
    assert.equal(describeRedisTarget({ kind: 'url', url: 'redis://u:secret@h:6379' }), 'redis://***@h:6379');
  });

  it('the YAML mapping gives the same target', () => {
    const q = queueOf('queue:\n  redis:\n    sentinels: ["127.0.0.1:26379", "[::1]:26380", s3.example]\n    name: mymaster\n    password: pw\n    sentinelPassword: spw\n    db: 1\n    tls: true\n');
    assert.deepEqual(q.redis, {
      kind: 'sentinel',
      sentinels: [{ host: '127.0.0.1', port: 26379 }, { host: '::1', port: 26380 }, { host: 's3.example', port: 26379 }],
      name: 'mymaster',
      password: 'pw',
      sentinelPassword: 'spw',
      db: 1,
      tls: true,
    });
  });

  it('a bad value is refused with its line, naming queue.redis and what is wrong', () => {
    const table: Array<[string, string]> = [
      ['queue: { redis: "http://10.0.0.1" }', 'q.yaml:1:17: queue.redis: expected a redis://, rediss:// or redis+sentinel://HOST:PORT,HOST:PORT/NAME URL'],
      ['queue: { redis: "redis+sentinel://10.0.0.1:26379" }', "q.yaml:1:17: queue.redis: redis+sentinel: the primary's name is missing (redis+sentinel://HOST:PORT,.../NAME)"],
      ['queue: { redis: "redis+sentinel://10.0.0.1:26379/m/x" }', 'q.yaml:1:17: queue.redis: redis+sentinel: the database after the name must be a number, got "x"'],
      ['queue: { redis: "redis+sentinel://pw@10.0.0.1/m" }', 'q.yaml:1:17: queue.redis: redis+sentinel: the password comes after a colon: redis+sentinel://:PASSWORD@... (or USER:PASSWORD@)'],
      ['queue: { redis: "redis+sentinel://10.0.0.1/m?db=2" }', 'q.yaml:1:17: queue.redis: redis+sentinel: unknown parameter "db" (only sentinelPassword)'],
      ['queue: { redis: "redis+sentinel://10.0.0.1:0/m" }', 'q.yaml:1:17: queue.redis: redis+sentinel: port must be 1-65535, got "0"'],
      ['queue: { redis: { sentinels: ["10.0.0.1:26379", "bad host"], name: m } }', 'q.yaml:1:49: queue.redis.sentinels[1]: expected a Sentinel as HOST:PORT (IPv6 in brackets), got "bad host"'],
      ['queue: { redis: { sentinels: [], name: m } }', 'q.yaml:1:30: queue.redis.sentinels: at least one Sentinel'],
      ['queue: { redis: { sentinels: ["10.0.0.1"] } }', 'q.yaml:1:17: queue.redis.name: Invalid input: expected string, received undefined'],
      ['queue: { redis: { sentinels: ["10.0.0.1"], name: m, master: x } }', 'q.yaml:1:53: queue.redis.master: unknown key "master"'],
      ['queue: { redis: { sentinels: ["10.0.0.1"], name: m, username: u } }', 'q.yaml:1:63: queue.redis.username: username needs a password'],
      ['queue: { redis: 6379 }', 'q.yaml:1:17: queue.redis: expected a string or a mapping'],
    ];
    for (const [queue, error] of table) assert.deepEqual(errorsOf(queue), [error], queue);
  });

  it('--redis and REDIS_URL take the same strings; one that does not parse is refused naming where it came from', () => {
    assert.deepEqual(resolveRedisTarget({ env: { REDIS_URL: 'redis+sentinel://127.0.0.1:26379/m' } }), { kind: 'sentinel', sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'm' });
    assert.throws(() => resolveRedisTarget({ flag: 'sentinel://x/m' }), { name: 'RedisTargetError', message: /^--redis: expected a redis:\/\// });
    assert.throws(() => resolveRedisTarget({ env: { REDIS_URL: 'redis+sentinel://x' } }), { name: 'RedisTargetError', message: /^REDIS_URL: redis\+sentinel: the primary's name is missing/ });
    // The config's target wins over a broken REDIS_URL, which is then never read.
    const config = { kind: 'url' as const, url: 'redis://cfg' };
    assert.deepEqual(resolveRedisTarget({ config, env: { REDIS_URL: 'nonsense' } }), config);
  });
});
