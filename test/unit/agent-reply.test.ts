import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGENT_MAX_LINE_BYTES, agentLine, parseAgentLine } from '../../src/probes/agent-reply.js';
import { resultOf } from '../../src/probes/agent.js';
import { verdictOf } from '../../src/probes/types.js';
import { seededRandom } from '../helpers/seeded-random.js';

/** What a result does to the server: `up`, `down` or `same` (neutral), then what it asks besides. */
function outcome(line: string): string {
  const r = resultOf(parseAgentLine(line), performance.now());
  const health = r.neutral ? 'same' : verdictOf(r);
  const parts = [health];
  if (r.weightPercent !== undefined) parts.push(`${r.weightPercent}%`);
  if (r.admin) parts.push(r.admin);
  return parts.join(' ');
}

describe('agent reply: the words of one line as HAProxy 2.6 takes them (tcpcheck_agent_expect_reply)', () => {
  // line (without its end) → what rsguard does with it. HAProxy's own reading is compared in test/integration/haproxy-agent-verdict.test.ts.
  const table: Array<[string, string]> = [
    ['up', 'up'],
    ['down', 'down'],
    ['fail', 'down'],
    ['stopped', 'down'],
    ['UP', 'up'],
    ['Down', 'down'],
    ['75%', 'same 75%'],
    ['up 75%', 'up 75%'],
    ['down 50%', 'down 50%'],
    // Words separated by spaces, tabs or commas, in any order; the last of a kind wins.
    ['50%,up\tdrain', 'up 50% drain'],
    ['down up', 'up'],
    ['up down', 'down'],
    ['25% 75%', 'same 75%'],
    ['drain ready', 'same ready'],
    ['maint', 'same maint'],
    ['READY', 'same ready'],
    ['', 'same'],
    ['   ,, \t', 'same'],
    // Percentages above 100 are taken (HAProxy caps them at 25600, and the weight at 256).
    ['150%', 'same 150%'],
    ['0%', 'same 0%'],
    ['000050%', 'same 50%'],
    ['99999999999999999999999%', 'same 25600%'],
    // Not a weight: anything after the %, or before it but digits; the word is a warning, the weight stays.
    ['50%%', 'same'],
    ['5x%', 'same'],
    ['1.5%', 'same'],
    ['300%x', 'same'],
    ['50%x up', 'up'],
    // A later bad weight word wins over an earlier good one: HAProxy parses only the last.
    ['50% 60%x', 'same'],
    // A % word must start with a digit; anything else is an unknown word, reported and ignored.
    ['x50%', 'same'],
    ['%50', 'same'],
    ['garbage words', 'same'],
    ['garbage up', 'up'],
    ['up#note', 'same'],
    ['up # down', 'up'],
    ['#down', 'same'],
    ['maxconn:30 up', 'up'],
    ['MAXCONN:10', 'same'],
    // Other blanks are not separators: "up\v" is one unknown word.
    ['up\v', 'same'],
    ['\xffup', 'same'],
  ];
  for (const [line, want] of table) {
    it(`${JSON.stringify(line)} → ${want}`, () => assert.equal(outcome(line), want));
  }

  it('keeps the description after #, the first unknown word and the weight or maxconn warning', () => {
    assert.deepEqual(parseAgentLine('down x y # disk full ,really'), { line: 'down x y # disk full ,really', health: 'down', description: 'disk full ,really', error: 'x' });
    assert.equal(parseAgentLine('50%% maxconn:5').warning, 'Trailing garbage in weight string');
    assert.equal(parseAgentLine('300%x').warning, 'Absolute weight can only be between 0 and 256 inclusive.');
    assert.equal(parseAgentLine('maxconn:5x').warning, 'Trailing garbage in maxconn string');
    assert.equal(parseAgentLine('maxconn:').warning, 'Require <maxconn>.');
    assert.equal(parseAgentLine('maxconn:30').maxconn, 30);
  });

  it('words the result with what was said and what rsguard does not take', () => {
    const r = resultOf(parseAgentLine('up 50% maxconn:30 bogus #ok'), 0);
    assert.match(r.detail, /^agent says up 50% maxconn:30 bogus #ok, \(ok\), unknown word "bogus" ignored, maxconn:30 not applied/);
    assert.equal(r.weightPercentAs, 'haproxy-agent');
    assert.match(resultOf(parseAgentLine(''), 0).detail, /an empty line.*health unchanged/);
    assert.equal(resultOf(parseAgentLine('fail'), 0).reason, 'status');
  });
});

describe('agent reply: where the line ends', () => {
  const at = (s: string | Buffer) => agentLine(Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1'));
  it('ends at the first CR or LF; waits without one', () => {
    assert.deepEqual(at('up\r\ndown\n'), { state: 'line', line: 'up' });
    assert.deepEqual(at('up\ndown'), { state: 'line', line: 'up' });
    assert.deepEqual(at('\n'), { state: 'line', line: '' });
    assert.deepEqual(at('up 50%'), { state: 'wait' });
    assert.deepEqual(at(''), { state: 'wait' });
  });

  it('a NUL before the end, or no end in 16 KiB, can never be a line', () => {
    assert.equal(at('up\0\n').state, 'never');
    assert.deepEqual(at('up\n\0'), { state: 'line', line: 'up' });
    assert.equal(at(Buffer.alloc(AGENT_MAX_LINE_BYTES, 'a')).state, 'never');
    assert.equal(at(Buffer.alloc(AGENT_MAX_LINE_BYTES - 1, 'a')).state, 'wait');
    // The 16384th byte may still end the line.
    const last = Buffer.alloc(AGENT_MAX_LINE_BYTES, 'a');
    last[AGENT_MAX_LINE_BYTES - 1] = 0x0a;
    assert.equal(at(last).state, 'line');
    assert.equal(at(Buffer.concat([Buffer.alloc(AGENT_MAX_LINE_BYTES, 'a'), Buffer.from('\nup\n')])).state, 'never');
  });

  it('hostile bytes never throw: any line gives a result with a bounded detail', () => {
    const { rand } = seededRandom(2602);
    const alphabet = ['up', 'down', 'drain', 'maint', 'ready', '%', '#', ',', ' ', '\t', '\0', '\n', '\r', '\xff', '9', 'maxconn:', 'x'];
    for (let i = 0; i < 2000; i++) {
      const parts: string[] = [];
      const n = Math.floor(rand() * 40);
      for (let j = 0; j < n; j++) parts.push(rand() < 0.2 ? String.fromCharCode(Math.floor(rand() * 256)) : alphabet[Math.floor(rand() * alphabet.length)]!);
      const buf = Buffer.from(parts.join(''), 'latin1');
      const l = agentLine(buf);
      if (l.state !== 'line') continue;
      const r = resultOf(parseAgentLine(l.line), 0);
      assert.ok(r.detail.length < 400, r.detail);
      assert.ok(r.weightPercent === undefined || (r.weightPercent >= 0 && r.weightPercent <= 25600));
    }
    const huge = parseAgentLine(`${'9'.repeat(5000)}% ${'x'.repeat(10000)}`);
    assert.equal(huge.weightPercent, 25600);
    assert.ok(resultOf(huge, 0).detail.length < 400);
  });
});
