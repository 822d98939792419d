import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { importHaproxy } from '../../src/config/import/haproxy.js';
import { modelFromImport } from '../../src/config/load.js';
import type { Model } from '../../src/model/model.js';
import { checkSchema } from '../../src/config/schema.js';

type Obj = Record<string, unknown>;
const GLOBAL = 'global\n  stats socket /run/h.sock level admin\n';
const imp = (text: string) => importHaproxy('h.cfg', `${GLOBAL}${text}`);
/** The checks of each server of the first backend. */
const checksOf = (text: string) => ((imp(text).input.virtualServices as Obj[])[0]!.realServers as Obj[]).map((s) => s.checks as Obj[] | undefined);
const agentOf = (text: string) => checksOf(text)[0]!.find((c) => c.kind === 'agent');
const load = (text: string): Model => modelFromImport(imp(text), 'h.cfg', 'haproxy', false, `${GLOBAL}${text}`);

describe('haproxy.cfg agent-check as an rsguard agent check (check.c srv_parse_agent_*, init_srv_agent_check)', () => {
  it("agent-port, agent-addr, agent-send, agent-inter: where it connects, what it sends, when; each answer counts at once", () => {
    const c = agentOf('backend b\n  server s1 10.0.0.2:80 weight 5 agent-check agent-port 9999 agent-addr 10.0.0.7 agent-send "be1/s1\\n" agent-inter 500ms');
    assert.deepEqual(c, { kind: 'agent', host: '10.0.0.7', port: 9999, send: 'be1/s1\n', interval: '500ms', retryInterval: '500ms', timeout: '500ms', rise: 1, fall: 1 });
    assert.doesNotThrow(() => checkSchema.parse(c));
  });

  it("runs beside the regular check, every 2 s whatever the server's inter, with timeout check after the connect", () => {
    const [checks] = checksOf('backend b\n  timeout connect 3s\n  timeout check 1s\n  server s1 10.0.0.2:80 check inter 5s agent-check agent-port 9999');
    assert.deepEqual(checks!.map((c) => [c.kind, c.interval, c.timeout]), [['tcp', '5000ms', '4000ms'], ['agent', '2000ms', '3000ms']]);
  });

  it("`addr` is the agent's address too, unless agent-addr is written (srv_parse_addr, SRV_F_AGENTADDR)", () => {
    assert.equal(agentOf('backend b\n  server s1 10.0.0.2:80 addr 10.0.0.5 agent-check agent-port 1')!.host, '10.0.0.5');
    assert.equal(agentOf('backend b\n  server s1 10.0.0.2:80 agent-addr 10.0.0.6 addr 10.0.0.5 agent-check agent-port 1')!.host, '10.0.0.6');
    assert.equal(agentOf('backend b\n  server s1 10.0.0.2:80 agent-check agent-port 1')!.host, undefined);
  });

  it('connects as the checks do: through the SOCKS4 proxy with check-via-socks4, from the namespace (unsupported), with or without check', () => {
    assert.deepEqual(agentOf('backend b\n  server s1 10.0.0.2:80 socks4 10.0.0.9:1080 check-via-socks4 agent-check agent-port 1')!.socks4, { address: '10.0.0.9:1080', userId: 'HAProxy' });
    assert.equal(agentOf('backend b\n  server s1 10.0.0.2:80 socks4 10.0.0.9:1080 agent-check agent-port 1')!.socks4, undefined);
    const ns = imp('backend b\n  server s1 10.0.0.2:80 namespace blue agent-check agent-port 1\n');
    assert.deepEqual(ns.errors.map((e) => [e.path, Boolean(e.unsupported)]), [['namespace', true]]);
    // Without check, what the agent uses is not "idle"; what neither uses still is.
    const w = imp('backend b\n  server s1 10.0.0.2:80 addr 10.0.0.5 source 10.0.0.1 socks4 10.0.0.9:1080 check-via-socks4 rise 5 agent-check agent-port 1\n').warnings;
    assert.ok(w.some((x) => x.includes('h.cfg:4: rise accepted, not acted on: the server has no check')), w.join('\n'));
    assert.ok(w.some((x) => x.includes('h.cfg:4: source 10.0.0.1 accepted, not acted on')));
    assert.ok(!w.some((x) => /socks4 accepted|addr, |check-via-socks4 accepted/.test(x)), w.join('\n'));
  });

  it('comes from default-server and defaults, and no-agent-check takes it away', () => {
    const inherited = 'defaults\n  default-server agent-check agent-port 7000 agent-inter 1s\nbackend b\n  server s1 10.0.0.2:80\n  server s2 10.0.0.3:80 no-agent-check\n  server s3 10.0.0.4:80 agent-port 7001\n';
    assert.deepEqual(checksOf(inherited).map((cs) => cs?.map((c) => `${c.kind}:${c.port}:${c.interval}`)), [['agent:7000:1000ms'], [], ['agent:7001:1000ms']]);
  });

  it('agent-send as HAProxy sends it: escapes are bytes, nothing after a NUL, characters beyond U+00FF as their UTF-8 bytes', () => {
    assert.equal(agentOf('backend b\n  server s1 10.0.0.2:80 agent-check agent-port 1 agent-send "a\\x01\\t\\xff\\r\\n"')!.send, 'a\x01\t\xff\r\n');
    assert.equal(agentOf('backend b\n  server s1 10.0.0.2:80 agent-check agent-port 1 agent-send "ab\\x00cd"')!.send, 'ab');
    assert.equal(agentOf('backend b\n  server s1 10.0.0.2:80 agent-check agent-port 1 agent-send "\\x00cd"')!.send, undefined);
    assert.equal(agentOf('backend b\n  server s1 10.0.0.2:80 agent-check agent-port 1 agent-send "€"')!.send, '\xe2\x82\xac');
  });

  it("what HAProxy refuses is refused on its line; a name for the agent's address is unsupported", () => {
    const errs = (line: string) => imp(`backend b\n  ${line}\n`).errors.map((e) => `${e.line}: ${e.path}: ${e.message}${e.unsupported ? ' [unsupported]' : ''}`);
    assert.deepEqual(errs('server s1 10.0.0.2:80 check agent-check'), ['4: agent-port: server s1 does not have agent port. Agent check has been disabled. (HAProxy refuses to start)']);
    assert.deepEqual(errs('server s1 10.0.0.2:80 agent-check agent-port abc'), ['4: agent-port: server s1 does not have agent port. Agent check has been disabled. (HAProxy refuses to start)']);
    assert.match(errs('server s1 10.0.0.2:80 agent-check agent-port 70000')[0]!, /agent-port 70000: not a port/);
    assert.match(errs('server s1 10.0.0.2:80 agent-check agent-port 1 agent-inter 0')[0]!, /invalid value "0" for argument 'agent-inter'/);
    assert.match(errs('server s1 10.0.0.2:80 agent-check agent-port 1 agent-send ""')[0]!, /'agent-send' expects a string/);
    assert.match(errs('server s1 10.0.0.2:80 agent-check agent-port 1 agent-addr agent.example')[0]!, /^4: agent-addr: agent-addr agent.example: .*IP addresses \[unsupported\]$/);
    // Without agent-check, the agent settings do nothing: said, not refused.
    const idle = imp('backend b\n  server s1 10.0.0.2:80 agent-port 1 agent-send x\n');
    assert.deepEqual(idle.errors, []);
    assert.ok(idle.warnings.some((w) => w.includes('h.cfg:4: agent-port, agent-send accepted, not acted on')));
  });

  it('says what of the answers is not taken: maxconn, and any weight on a static algorithm', () => {
    const warn = (text: string) => imp(text).warnings.filter((w) => w.includes('agent-check of server'));
    assert.match(warn('backend b\n  server s1 10.0.0.2:80 agent-check agent-port 1\n').join('\n'), /^h\.cfg:4: .*maxconn:N answers are not applied/);
    assert.match(warn('backend b\n  balance source\n  server s1 10.0.0.2:80 agent-check agent-port 1\n').join('\n'), /balance source with hash-type map-based is a static algorithm/);
    assert.match(warn('defaults\n  balance static-rr\nbackend b\n  server s1 10.0.0.2:80 agent-check agent-port 1\n').join('\n'), /balance static-rr is a static algorithm/);
    for (const dyn of ['balance leastconn', 'balance uri\n  hash-type consistent', 'balance first']) {
      assert.doesNotMatch(warn(`backend b\n  ${dyn}\n  server s1 10.0.0.2:80 agent-check agent-port 1\n`).join('\n'), /static algorithm/, dyn);
    }
  });

  it('051-regtest-agent-check.cfg, the last haproxy.cfg of the wild corpus rsguard refused, loads', () => {
    const m = load('defaults\n  mode tcp\nbackend be1\n  server srv 127.0.0.1:18001 weight 100 agent-check agent-addr 127.0.0.1 agent-port 18001 agent-send "pouet" agent-inter 100ms\n');
    const [check] = [...m.checks.values()];
    assert.deepEqual([check!.kind, check!.target, check!.spec, check!.timing.intervalMs, check!.timing.fall], ['agent', { host: '127.0.0.1', port: 18001 }, { send: 'pouet' }, 100, 1]);
  });
});

describe('haproxy.cfg agent-check on a tracking server', () => {
  it('the tracker keeps its own agent beside the tracked checks (HAProxy runs it: only check is refused with track)', () => {
    const m = load('backend b\n  server s1 10.0.0.2:80 check agent-check agent-port 9000\n  server s2 10.0.0.3:80 track s1 agent-check agent-port 9001\n');
    const [s1, s2] = m.virtualServices[0]!.realServers;
    const agent = (port: number) => [...m.checks.values()].find((c) => c.kind === 'agent' && c.target.port === port)!;
    assert.equal(agent(9001).target.host, '10.0.0.3');
    assert.deepEqual(s2!.checkIds, [...s1!.checkIds, agent(9001).id]);
    assert.deepEqual(s2!.track?.own, [agent(9001).id]);
  });

  it('a chain ending at a server rsguard leaves to HAProxy (a backup): its checks and the own agent, each at its server', () => {
    const r = imp('backend b\n  server s1 10.0.0.2:80 backup check agent-check agent-port 9000\n  server s2 10.0.0.3:80 track s1 agent-check agent-port 9001\n');
    assert.deepEqual(r.errors, []);
    const checks = ((r.input.virtualServices as Obj[])[0]!.realServers as Obj[])[0]!.checks as Obj[];
    assert.deepEqual(checks.map((c) => `${c.kind} ${c.host ?? '(own)'}:${c.port}`), ['tcp 10.0.0.2:80', 'agent 10.0.0.2:9000', 'agent (own):9001']);
  });

  it('track with check is still refused', () => {
    assert.throws(() => load('backend b\n  server s1 10.0.0.2:80 check\n  server s2 10.0.0.3:80 track s1 check agent-check agent-port 1\n'), (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'track'));
  });
});
