import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describePool, parseFpmPoolStatus, type FpmPoolStatus } from '../../src/probes/fpm-pool-status.js';

// php-fpm 8.2's answers to /status?json and /status (captured from the test pool, pm.status_listen).
const JSON_PAGE =
  '{"pool":"tcp","process manager":"static","start time":1796584302,"start since":0,"accepted conn":1,"listen queue":0,"max listen queue":0,"listen queue len":4096,"idle processes":2,"active processes":0,"total processes":2,"max active processes":1,"max children reached":0,"slow requests":0}';
const TEXT_PAGE =
  'pool:                 tcp\nprocess manager:      static\nstart time:           06/Dec/2026:19:11:42 +0000\nstart since:          0\naccepted conn:        1\nlisten queue:         0\nmax listen queue:     0\nlisten queue len:     4096\nidle processes:       2\nactive processes:     0\ntotal processes:      2\nmax active processes: 1\nmax children reached: 0\nslow requests:        0\n';
const IDLE: FpmPoolStatus = { listenQueue: 0, listenQueueLen: 4096, activeProcesses: 0, idleProcesses: 2, totalProcesses: 2, maxChildrenReached: 0, slowRequests: 0, acceptedConn: 1 };

function saturated(over: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...JSON.parse(JSON_PAGE), 'listen queue': 6, 'idle processes': 0, 'active processes': 2, 'max children reached': 3, 'slow requests': 4, ...over });
}

describe('php-fpm pool status page', () => {
  it('reads the JSON page', () => assert.deepEqual(parseFpmPoolStatus(JSON_PAGE), IDLE));
  it('reads the plain text page (colons in the start time value)', () => assert.deepEqual(parseFpmPoolStatus(TEXT_PAGE), IDLE));
  it('reads the JSON page with ?full process list and CRLF-free whitespace around it', () => {
    const full = JSON_PAGE.replace(/}$/, ', "processes":[{"pid":1,"state":"Idle"}]}');
    assert.deepEqual(parseFpmPoolStatus(`\n ${full}\n`), IDLE);
  });
  it('reads a saturated pool', () => {
    const s = parseFpmPoolStatus(saturated());
    assert.deepEqual(s, { ...IDLE, listenQueue: 6, idleProcesses: 0, activeProcesses: 2, maxChildrenReached: 3, slowRequests: 4 });
    assert.equal(describePool(s as FpmPoolStatus), 'listen queue 6, active 2/2, idle 0, max children reached 3, slow 4');
  });
  it('takes the optional counters as 0 when an older php-fpm leaves them out', () => {
    const s = parseFpmPoolStatus('listen queue: 1\nactive processes: 1\nidle processes: 0\ntotal processes: 1\n');
    assert.deepEqual(s, { listenQueue: 1, listenQueueLen: 0, activeProcesses: 1, idleProcesses: 0, totalProcesses: 1, maxChildrenReached: 0, slowRequests: 0, acceptedConn: 0 });
  });

  describe('hostile or garbage answers are a reason, never numbers', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['an empty body', '', /empty/],
      ['an HTML page (a proxy or the wrong path)', '<html><body>It works!</body></html>', /not "name: value"/],
      ['broken JSON', '{"listen queue": 1,', /not JSON/],
      ['a JSON array', '[1,2,3]', /not a JSON object/],
      ['JSON null', 'null', /not "name: value"|not a JSON object/],
      ['a missing listen queue', saturated({ 'listen queue': undefined }), /lacks "listen queue"/],
      ['a negative queue', saturated({ 'listen queue': -1 }), /"listen queue" is not a count/],
      ['a fractional queue', saturated({ 'listen queue': 1.5 }), /"listen queue" is not a count/],
      ['a queue past 2^53', saturated({ 'listen queue': 2 ** 60 }), /"listen queue" is not a count/],
      ['a queue as an object', saturated({ 'listen queue': { valueOf: 1 } }), /"listen queue" is not a count/],
      ['a queue as a word', saturated({ 'listen queue': 'lots' }), /"listen queue" is not a count/],
      ['a queue as a boolean', saturated({ 'listen queue': true }), /"listen queue" is not a count/],
      ['processes that do not add up', saturated({ 'total processes': 9 }), /does not add up/],
      ['a text counter given twice', `listen queue: 0\n${TEXT_PAGE}`, /repeats "listen queue"/],
      ['a text value with a sign', TEXT_PAGE.replace('listen queue:         0', 'listen queue: -0'), /"listen queue" is not a count/],
      ['a text value in hex', TEXT_PAGE.replace('listen queue:         0', 'listen queue: 0x10'), /"listen queue" is not a count/],
      ['binary noise', '\u0000\u0001\u00ff\ufffd', /not "name: value"/],
      ['only __proto__', '{"__proto__": {"listen queue": 0, "active processes": 0, "idle processes": 0, "total processes": 0}}', /lacks "listen queue"/],
    ];
    for (const [name, body, reason] of cases) {
      it(name, () => {
        const r = parseFpmPoolStatus(body);
        assert.equal(typeof r, 'string', `parsed as ${JSON.stringify(r)}`);
        assert.match(r as string, reason);
      });
    }
    it('quotes at most a short piece of what it got', () => {
      const r = parseFpmPoolStatus(`{${'x'.repeat(10_000)}`) as string;
      assert.ok(r.length < 80, r);
    });
  });
});
