import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { importHaproxy } from '../../src/config/import/haproxy.js';
import { loadYamlText, modelFromImport } from '../../src/config/load.js';
import type { Model, RealServerDef } from '../../src/model/model.js';
import type { MonitorEvent } from '../../src/engine/events.js';
import { Monitor } from '../../src/engine/monitor.js';

/**
 * HAProxy's `track [<proxy>/]<server>` (configuration.txt 5.2): "set the
 * current state of the server by tracking another one. It is possible to
 * track a server which itself tracks another server, provided that at the
 * end of the chain, a server has health checks enabled. If <proxy> is
 * omitted the current one is used. If disable-on-404 is used, it has to be
 * enabled on both proxies." Refusals are srv_apply_track's (server.c).
 */
const GLOBAL = 'global\n  stats socket /run/h.sock level admin\n';
const importText = (text: string) => importHaproxy('h.cfg', text);
const load = (text: string): Model => modelFromImport(importText(text), 'h.cfg', 'haproxy', false, text);
const refusal = (text: string): string => {
  try {
    load(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.line}: ${i.path}: ${i.message}`).join('\n');
    throw e;
  }
  return 'loaded';
};
const rs = (m: Model, vs: string, addr: string): RealServerDef => m.virtualServices.find((v) => v.name === vs)!.realServers.find((r) => r.key === addr)!;
const down = { ok: false, durationMs: 1, detail: 'connection refused', reason: 'refused' as const };
const up = { ok: true, durationMs: 1, detail: 'connected' };

describe('haproxy.cfg track: the tracking server is a view of the tracked server\'s checks', () => {
  const text = `${GLOBAL}backend be1\n  server s2 10.0.0.2:80 check inter 1s fall 1 rise 1\n  server s3 10.0.0.3:80 track s2\nbackend be2\n  server x 10.0.0.9:80 track be1/s3\n  server y 10.0.0.8:80 track be1/s2 weight 7\n`;

  it('same backend, another backend, a chain: each follows the checked server at the end, with no probe of its own', () => {
    const m = load(text);
    const s2 = rs(m, 'be1', '10.0.0.2:80');
    assert.equal(s2.checkIds.length, 1);
    for (const [vs, addr, tracks] of [['be1', '10.0.0.3:80', 'backend:be1 10.0.0.2:80'], ['be2', '10.0.0.9:80', 'backend:be1 10.0.0.3:80'], ['be2', '10.0.0.8:80', 'backend:be1 10.0.0.2:80']] as const) {
      const r = rs(m, vs, addr);
      assert.deepEqual(r.checkIds, s2.checkIds, `${vs}/${addr} shares s2's check`);
      assert.equal(`${r.track?.vs} ${r.track?.rs}`, tracks);
    }
    // One check in all: nothing probes the trackers themselves.
    assert.deepEqual([...m.checks.values()].map((c) => `${c.target.host}:${c.target.port}`), ['10.0.0.2:80']);
    assert.equal(rs(m, 'be2', '10.0.0.8:80').weight, 7);
  });

  it('down and up together: every tracker changes hard state in the same step as the tracked server', () => {
    const m = load(text);
    const events: MonitorEvent[] = [];
    const monitor = new Monitor(m, (e) => events.push(e), () => 0);
    const id = rs(m, 'be1', '10.0.0.2:80').checkIds[0]!;
    monitor.apply(id, down, 1000);
    const hard = (to: string) => events.filter((e) => e.type === 'server-hard' && e.to === to).map((e) => (e.type === 'server-hard' ? `${e.server.vsName}/${e.server.rs}@${e.at}` : ''));
    assert.deepEqual(hard('down').sort(), ['be1/10.0.0.2:80@1000', 'be1/10.0.0.3:80@1000', 'be2/10.0.0.8:80@1000', 'be2/10.0.0.9:80@1000']);
    for (const r of monitor.serverRecords()) assert.equal(r.hardState, 'down', `${r.vs.name}/${r.rs.key}`);
    monitor.apply(id, up, 2000);
    assert.deepEqual(hard('up').sort(), ['be1/10.0.0.2:80@2000', 'be1/10.0.0.3:80@2000', 'be2/10.0.0.8:80@2000', 'be2/10.0.0.9:80@2000']);
  });

  it('a weight a check reports moves the tracked server only (HAProxy tracks state, not weight)', () => {
    const m = loadYamlText('t.yaml', `virtualServices:\n  - name: v\n    address: 10.0.0.1:80\n    realServers:\n      - { address: 10.0.0.2:80, weight: 5, checks: [{ kind: exec, command: [/bin/true], dynamicWeight: true }] }\n      - { address: 10.0.0.3:80, weight: 5, track: { server: 10.0.0.2:80 } }\n`);
    const monitor = new Monitor(m, () => {}, () => 0);
    const [tracked, tracker] = m.virtualServices[0]!.realServers as [RealServerDef, RealServerDef];
    monitor.apply(tracked.checkIds[0]!, { ...up, weight: 40 }, 10);
    assert.deepEqual([monitor.effectiveWeight(tracked), monitor.effectiveWeight(tracker)], [40, 5]);
  });

  it('a chain ending at a backup (left to HAProxy) gives the tracker the backup\'s check', () => {
    const r = importText(`${GLOBAL}backend be\n  server b 10.0.0.5:80 check backup\n  server t 10.0.0.6:80 track b\n`);
    assert.deepEqual(r.errors, []);
    const t = (r.input.virtualServices as Array<{ realServers: Array<Record<string, unknown>> }>)[0]!.realServers[0]!;
    assert.equal(t.track, undefined);
    assert.deepEqual((t.checks as Array<Record<string, unknown>>).map((c) => c.kind), ['tcp']);
    const m = load(`${GLOBAL}backend be\n  server b 10.0.0.5:80 check backup\n  server t 10.0.0.6:80 track b\n`);
    assert.deepEqual([...m.checks.values()].map((c) => `${c.kind} ${c.target.host}:${c.target.port}`), ['tcp 10.0.0.5:80']);
    assert.ok(r.warnings.some((w) => /h\.cfg:5: track b: the chain ends at be\/b, which rsguard leaves to HAProxy/.test(w)));
  });

  it('HAProxy\'s refusals, on the tracking line', () => {
    const be = (lines: string, more = '') => `${GLOBAL}backend be\n${lines}\n${more}`;
    assert.match(refusal(be('  server s1 10.0.0.1:80 track nope')), /^4: track: track nope: unable to find required server 'nope' for tracking/);
    assert.match(refusal(be('  server s1 10.0.0.1:80 track other/s2')), /^4: track: track other\/s2: unable to find required proxy 'other' for tracking/);
    assert.match(refusal(be('  server s1 10.0.0.1:80\n  server s2 10.0.0.2:80 track s1')), /^5: track: track s1: unable to use be\/s1 for tracking as it does not have any check nor agent enabled/);
    assert.match(refusal(be('  server s1 10.0.0.1:80 track s2\n  server s2 10.0.0.2:80 track s1')), /tracking chain looping back/);
    assert.match(refusal(be('  server s1 10.0.0.1:80 check\n  server s2 10.0.0.2:80 check track s1')), /^5: track: track s1 with check: unable to enable checks and tracking at the same time!/);
    // "If disable-on-404 is used, it has to be enabled on both proxies."
    assert.match(refusal(be('  option httpchk\n  http-check disable-on-404\n  server s1 10.0.0.1:80 check', 'backend be2\n  server t 10.0.0.2:80 track be/s1\n')), /^8: track: track be\/s1: unable to use be\/s1 for tracking: disable-on-404 option inconsistency/);
    // A server rsguard leaves alone is held to HAProxy's rules all the same: HAProxy would not start.
    assert.match(refusal(be('  server s1 10.0.0.1:80 check\n  server s2 10.0.0.1:80 track gone')), /^5: track: track gone: unable to find required server 'gone'/);
  });

  it('rsguard YAML track: refused beside checks of its own, towards an unchecked server, or nowhere', () => {
    const yaml = (second: string, first = '{ address: 10.0.0.2:80 }') => `virtualServices:\n  - name: v\n    address: 10.0.0.1:80\n    realServers:\n      - ${first}\n      - ${second}\n`;
    const issues = (text: string) => {
      try {
        loadYamlText('t.yaml', text);
        return 'loaded';
      } catch (e) {
        return (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`).join('\n');
      }
    };
    assert.match(issues(yaml('{ address: 10.0.0.3:80, track: { server: 10.0.0.2:80 }, checks: [{ kind: tcp }] }')), /realServers\[1\]\.track: a server that tracks another has no checks of its own/);
    assert.match(issues(yaml('{ address: 10.0.0.3:80, track: { server: 10.0.0.2:80 } }', '{ address: 10.0.0.2:80, checks: [] }')), /unable to use v\/10\.0\.0\.2:80 for tracking as it has no checks/);
    assert.match(issues(yaml('{ address: 10.0.0.3:80, track: { server: 10.0.0.7:80 } }')), /unable to find the real server 10\.0\.0\.7:80 of v for tracking/);
    assert.match(issues(yaml('{ address: 10.0.0.3:80, track: { virtualService: w, server: 10.0.0.2:80 } }')), /unable to find the virtual service "w" for tracking/);
    assert.equal(issues(yaml('{ address: 10.0.0.3:80, track: { server: 10.0.0.2:80 } }')), 'loaded');
  });
});
