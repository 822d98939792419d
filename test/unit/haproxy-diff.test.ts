import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadYamlText } from '../../src/config/load.js';
import { diffHaproxy } from '../../src/actuators/haproxy/haproxy-diff.js';
import { currentSessions, parseServersState, ServersStateError } from '../../src/actuators/haproxy/servers-state.js';
import { planPool, type ServerHealth } from '../../src/planner/pool-plan.js';

const MODEL = loadYamlText(
  'hap.yaml',
  `balancer: { kind: haproxy, socket: /run/haproxy.sock }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    haproxy: { backend: web }
    sorryServer: { address: 127.0.0.1:8089, haproxyServer: sorry }
    realServers:
      - { address: 127.0.0.1:8081, weight: 3 }
      - { address: 127.0.0.1:8082, weight: 2, haproxyServer: s2 }
`,
);

// As HAProxy 2.6 prints it (captured from the real one); s1 drained by hand, s2 in maint.
const STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 web 1 s1 127.0.0.1 2 8 5 3 0 1 0 2 0 0 0 0 - 8081 - 0 0 - - 0
3 web 2 s2 127.0.0.1 0 1 2 2 0 1 0 0 0 0 0 0 - 8082 - 0 0 - - 0
3 web 3 sorry 127.0.0.1 2 0 1 1 1 1 0 2 0 0 0 0 - 8089 - 0 0 - - 0
`;

function desired(down: string[] = [], drained: string[] = []) {
  const vs = MODEL.virtualServices[0]!;
  const servers = new Map<string, ServerHealth>(vs.realServers.map((rs) => [rs.key, { hardState: down.includes(rs.key) ? 'down' : 'up', upSince: -Infinity }]));
  return [{ vs, plan: planPool({ vs, servers, drained: new Set(drained), previousQuorumUp: undefined, now: 0 }) }];
}

describe('HAProxy show servers state', () => {
  it('parses by header names', () => {
    const s = parseServersState(STATE);
    assert.deepEqual(s.map((x) => [x.name, x.address, x.port, x.adminState, x.weight]), [['s1', '127.0.0.1', 8081, 8, 5], ['s2', '127.0.0.1', 8082, 1, 2], ['sorry', '127.0.0.1', 8089, 0, 1]]);
  });
  it("turns HAProxy's own error into a clear error", () => {
    assert.throws(() => parseServersState("Can't find backend.\n\n"), (e: Error) => e instanceof ServersStateError && /Can't find backend/.test(e.message));
  });
  it('reads scur from show stat', () => {
    assert.equal(currentSessions('# pxname,svname,qcur,qmax,scur,smax\nweb,s1,0,0,7,9\nweb,s2,0,0,0,1\n', 'web', 's1'), 7);
  });
});

describe('HAProxy diff', () => {
  const states = new Map([['web', parseServersState(STATE)]]);
  const cmds = (d: ReturnType<typeof desired>) => diffHaproxy(d, states).commands.map((c) => c.command);
  it('brings servers to ready at their weight, the sorry server stays in maint', () => {
    assert.deepEqual(cmds(desired()), ['set server web/s1 weight 3', 'set server web/s1 state ready', 'set server web/s2 state ready', 'set server web/sorry state maint']);
  });
  it('a drained server stays in drain (already so), the others follow the plan', () => {
    assert.deepEqual(cmds(desired([], ['127.0.0.1:8081'])), ['set server web/s2 state ready', 'set server web/sorry state maint']);
  });
  it('a down server goes to maint (s2 already is)', () => {
    assert.deepEqual(cmds(desired(['127.0.0.1:8082'])), ['set server web/s1 weight 3', 'set server web/s1 state ready', 'set server web/sorry state maint']);
  });
  it('all down: real servers to maint, the sorry server ready (already so here)', () => {
    assert.deepEqual(cmds(desired(['127.0.0.1:8081', '127.0.0.1:8082'])), ['set server web/s1 state maint']);
    const sorryInMaint = new Map([['web', parseServersState(STATE.replace('3 web 3 sorry 127.0.0.1 2 0 1', '3 web 3 sorry 127.0.0.1 0 1 1'))]]);
    assert.deepEqual(diffHaproxy(desired(['127.0.0.1:8081', '127.0.0.1:8082']), sorryInMaint).commands.map((c) => c.command), ['set server web/s1 state maint', 'set server web/sorry state ready']);
  });
  it('an unknown backend or server is a configuration problem, not a command', () => {
    const none = diffHaproxy(desired(), new Map());
    assert.deepEqual([none.commands, none.problems.map((p) => p.message)], [[], ['No such backend "web" in HAProxy']]);
    const noS2 = diffHaproxy(desired(), new Map([['web', parseServersState(STATE).filter((s) => s.name !== 's2')]]));
    assert.deepEqual(noS2.problems.map((p) => p.message), ['No such server web/s2']);
  });
});

describe('HAProxy diff of an empty pool (a backend whose servers come at run time)', () => {
  const empty = loadYamlText('hap.yaml', `balancer: { kind: haproxy, socket: /run/haproxy.sock }
virtualServices:
  - name: web
    address: 10.0.0.1:80
    haproxy: { backend: web }
    sorryServer: { address: 127.0.0.1:8089, haproxyServer: sorry }
    realServers: []
`).virtualServices[0]!;
  it('leaves every server HAProxy has (added with `add server`) alone, and puts the sorry server in', () => {
    const plan = planPool({ vs: empty, servers: new Map(), drained: new Set(), previousQuorumUp: undefined, now: 0 });
    const { commands, problems } = diffHaproxy([{ vs: empty, plan }], new Map([['web', parseServersState(STATE)]]));
    assert.deepEqual(problems, []);
    // s1 and s2 are HAProxy's (s1 drained by hand, s2 in maint: untouched); the sorry server was ready already.
    assert.deepEqual(commands.map((c) => c.command), []);
    const inMaint = parseServersState(STATE.replace('3 web 3 sorry 127.0.0.1 2 0 1', '3 web 3 sorry 127.0.0.1 2 1 1'));
    assert.deepEqual(diffHaproxy([{ vs: empty, plan }], new Map([['web', inMaint]])).commands.map((c) => c.command), ['set server web/sorry state ready']);
  });
});
