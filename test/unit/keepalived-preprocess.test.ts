import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ConfigIssue } from '../../src/config/errors.js';
import { decomment } from '../../src/config/import/keepalived-decomment.js';
import { KaLineReader } from '../../src/config/import/keepalived-lines.js';
import { loadConfig } from '../../src/config/load.js';

/** Every line keepalived's handlers would get from this text (lib/parser.c read_line). */
function lines(text: string, configId = 'x', file = '/etc/keepalived/keepalived.conf'): { out: string[]; tolerated: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const tolerated: ConfigIssue[] = [];
  const r = new KaLineReader(file, text, { configId, random: () => 0.5 }, errors, tolerated);
  const out: string[] = [];
  for (let l = r.next(); l; l = r.next()) out.push(l.text);
  assert.deepEqual(errors, []);
  return { out, tolerated };
}

describe("keepalived's line preprocessing (lib/parser.c read_line, keepalived.conf(5))", () => {
  it('@id lines apply only on that config id; @^id lines everywhere else', () => {
    assert.deepEqual(lines('@lb1 priority 150\n@lb2 priority 100\n@^lb1 priority 99\n@^lb2 priority 151\n', 'lb1').out, ['priority 150', 'priority 151']);
  });

  it('$NAME=value defines; $NAME followed by white space and ${NAME} are replaced; undefined names stay as written', () => {
    const { out } = lines('$VIP=10.0.0.1\nvirtual_server $VIP 80 {\nsorry_server ${VIP}0 8080\nmisc_path "/bin/echo $HOME"\n');
    assert.deepEqual(out, ['virtual_server 10.0.0.1 80', '{', 'sorry_server 10.0.0.10 8080', 'misc_path "/bin/echo $HOME"']);
  });

  it('no space before the = of a definition (keepalived.conf(5)): "$A = 1" is no definition', () => {
    assert.deepEqual(lines('$A=1\n$B = 2\n').out, ['$B = 2']);
  });

  it("replacement is recursive and done at replacement time (keepalived.conf(5)'s ADDRESS_BASE example)", () => {
    const { out } = lines('$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}\n$ADDRESS_BASE_SUB=0\n${ADDRESS_BASE}.100/32\n$ADDRESS_BASE_SUB=10\n${ADDRESS_BASE}.100/32\n');
    assert.deepEqual(out, ['10.2.0.100/32', '10.2.10.100/32']);
  });

  it('a definition may hold a conditional ($IF_MAIN=@main)', () => {
    assert.deepEqual(lines('$IF_MAIN=@main\n$IF_MAIN priority 240\n', 'main').out, ['priority 240']);
    assert.deepEqual(lines('$IF_MAIN=@main\n$IF_MAIN priority 240\n', 'backup').out, []);
  });

  it('multi-line definitions: each line but the last ends in \\, used alone at the end of a line, nested', () => {
    const text = `$RS= \\
real_server 192.168.\${VS_NUM}.\${RS_NUM} 80 { \\
  weight 1 \\
}
$VS= \\
virtual_server 10.0.\${VS_NUM}.4 80 { \\
  $RS_NUM=1 \\
  $RS \\
  $RS_NUM=2 \\
  $RS \\
}
$VS_NUM=0
$VS
`;
    assert.deepEqual(lines(text).out, ['virtual_server 10.0.0.4 80', '{', 'real_server 192.168.0.1 80', '{', 'weight 1', '}', 'real_server 192.168.0.2 80', '{', 'weight 1', '}', '}']);
  });

  it('~SEQ(var, start, step, end), ~SEQ with start or step left out, and ~SEQx in hex (keepalived.conf(5) examples)', () => {
    assert.deepEqual(lines('~SEQ(SUBNET, 0, 3) ip_address 10.0.${SUBNET}.1\n').out, ['ip_address 10.0.0.1', 'ip_address 10.0.1.1', 'ip_address 10.0.2.1', 'ip_address 10.0.3.1']);
    assert.deepEqual(lines('~SEQx(SUBNET, 0x90, 0x10, 0xc0) ip_address fe80::20:${SUBNET}:1\n').out, ['ip_address fe80::20:90:1', 'ip_address fe80::20:a0:1', 'ip_address fe80::20:b0:1', 'ip_address fe80::20:c0:1']);
    assert.deepEqual(lines('~SEQ(N, 3) n ${N}\n').out, ['n 1', 'n 2', 'n 3']);
    assert.deepEqual(lines('~SEQ(N, 3, 1) n ${N}\n').out, ['n 3', 'n 2', 'n 1']);
  });

  it('~LST with one variable, with several in {...}, nested, and combined with ~SEQ (keepalived.conf(5) examples)', () => {
    assert.deepEqual(lines('~LST({IP, IP1}, {10,1},{20,4},{5,6},{12,8}) 192.168.${IP}.${IP1}\n').out, ['192.168.10.1', '192.168.20.4', '192.168.5.6', '192.168.12.8']);
    assert.deepEqual(lines('~LST(IP, 1, 2) ~LST(IP1, 5,6,7) 192.169.${IP}.${IP1}\n').out, ['192.169.1.5', '192.169.1.6', '192.169.1.7', '192.169.2.5', '192.169.2.6', '192.169.2.7']);
    assert.deepEqual(lines('~LST({IP, IP1}, {10,1},{20,4}) ~SEQ(IP2,168,2,172) 192.${IP2}.${IP}.${IP1}\n').out, ['192.168.10.1', '192.170.10.1', '192.172.10.1', '192.168.20.4', '192.170.20.4', '192.172.20.4']);
  });

  it('definitions that refer to each other and ~SEQ blocks of millions of lines stop with an error instead of running for ever', () => {
    const errors: ConfigIssue[] = [];
    const r = new KaLineReader('/k.conf', '$A=${B}\n$B=${A}\nx $A\n~SEQ(N, 1, 100000000) y\n', { configId: 'x' }, errors, []);
    let n = 0;
    while (r.next()) n++;
    assert.deepEqual(errors.map((e) => e.line), [3, 4]);
    assert.ok(n <= 100_001);
  });

  it('a broken ~SEQ is logged and the line dropped (read_line: "Invalid ~SEQ specification")', () => {
    const { out, tolerated } = lines('~SEQ(N, 1, -1, 5) x ${N}\nnext\n');
    assert.deepEqual(out, ['next']);
    assert.match(tolerated.map((t) => t.message).join('\n'), /~SEQ/);
  });

  it('predefined ${_PWD} (the directory of the file), ${_INSTANCE}, ${_HASH}, ${_BANG}, ${_RANDOM MIN MAX} (set_std_definitions)', () => {
    // The line is decommented again after replacement, so a # or ! from ${_HASH}/${_BANG} survives only in "..."
    // (keepalived 2.2.7 -t on `lb_algo x${_HASH}y` logs "Invalid lvs_scheduler 'x'", on `lb_kind "q${_BANG}z"` "unknown [q!z]").
    const { out } = lines('misc_path "${_PWD}/scripts/vs.sh ${_INSTANCE}"\nx "${_HASH}1" ${_BANG}2\nlb_algo x${_HASH}y\nr ${_RANDOM 10 20} ${_RANDOM}\n', 'lb1');
    assert.deepEqual(out, ['misc_path "/etc/keepalived/scripts/vs.sh lb1"', 'x "#1"', 'lb_algo x', 'r 15 16384']);
  });

  it('decomment: ! and # start a comment outside double quotes only; \\# and \\! outside quotes are the characters', () => {
    assert.equal(decomment('  misc_path "sh -c \'test -f a && ! test -f b\'" # why').text, 'misc_path "sh -c \'test -f a && ! test -f b\'"');
    assert.equal(decomment('real_server 1.2.3.4 80 ! comment').text, 'real_server 1.2.3.4 80');
    assert.equal(decomment('x a\\#b').text, 'x a#b');
  });

  it('a line is cut before its first { or } outside double quotes; the rest is the next line', () => {
    assert.deepEqual(lines('virtual_server 10.0.0.1 80 { delay_loop 6 }\n').out, ['virtual_server 10.0.0.1 80', '{', 'delay_loop 6', '}']);
    assert.deepEqual(lines('misc_path "curl -w %{http_code} x" }\n').out, ['misc_path "curl -w %{http_code} x"', '}']);
    assert.deepEqual(lines('misc_path curl -w %{http_code}\n').out, ['misc_path curl -w %', '{', 'http_code', '}']);
  });

  it('a whole file: variables, the host conditionals chosen by --config-id, and an IPv6 range in a virtual_server_group', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ka-'));
    try {
      const file = path.join(dir, 'keepalived.conf');
      writeFileSync(
        file,
        `$RS=192.168.1.10
$PORT=80
virtual_server_group V6 {
  2001:db8::8-a 80
}
virtual_server group V6 {
  protocol TCP
  lb_algo wlc
  lb_kind DR
  real_server $RS $PORT {
@lb1    weight 3
@^lb1   weight 1
    TCP_CHECK { connect_timeout 2 }
  }
}
`,
      );
      const lb1 = await loadConfig(file, 'keepalived', { configId: 'lb1' });
      assert.deepEqual(lb1.virtualServices.map((v) => v.key), ['tcp:[2001:db8::8]:80', 'tcp:[2001:db8::9]:80', 'tcp:[2001:db8::a]:80']);
      assert.equal(lb1.virtualServices[0]!.realServers[0]!.key, '192.168.1.10:80');
      assert.equal(lb1.virtualServices[0]!.realServers[0]!.weight, 3);
      const lb2 = await loadConfig(file, 'keepalived', { configId: 'lb2' });
      assert.equal(lb2.virtualServices[0]!.realServers[0]!.weight, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keepalived.conf(5)'s nested multi-line example end to end: ${_PWD} scripts as argv, 2 virtual servers with 3 real servers each", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ka-'));
    try {
      const file = path.join(dir, 'keepalived.conf');
      writeFileSync(
        file,
        `$RS= \\
real_server 192.168.\${VS_NUM}.\${RS_NUM} 80 { \\
    weight 1 \\
    MISC_CHECK { \\
        misc_path "\${_PWD}/scripts/vs.sh RS_misc.\${INST}.\${VS_NUM}.\${RS_NUM}.0 10.0.\${VS_NUM}.4:80->192.168.\${VS_NUM}.\${RS_NUM}:80" \\
    } \\
    notify_up "\${_PWD}/scripts/notify.sh RS_notify.\${INST}.\${VS_NUM}.\${RS_NUM} UP" \\
}
$VS= \\
virtual_server 10.0.\${VS_NUM}.4 80 { \\
    protocol TCP \\
    lb_algo rr \\
    lb_kind NAT \\
    quorum 2 \\
    $RS_NUM=1 \\
    $RS \\
    $RS_NUM=2 \\
    $RS \\
    $RS_NUM=3 \\
    $RS \\
}
$INST=i
$VS_NUM=0
$VS
$VS_NUM=1
$VS
`,
      );
      const m = await loadConfig(file, 'keepalived');
      assert.deepEqual(m.virtualServices.map((v) => [v.key, v.realServers.map((r) => r.key).join(' ')]), [
        ['tcp:10.0.0.4:80', '192.168.0.1:80 192.168.0.2:80 192.168.0.3:80'],
        ['tcp:10.0.1.4:80', '192.168.1.1:80 192.168.1.2:80 192.168.1.3:80'],
      ]);
      const rs = m.virtualServices[1]!.realServers[2]!;
      const check = m.checks.get(rs.checkIds[0]!)!;
      assert.deepEqual(check.spec.command, [`${dir}/scripts/vs.sh`, 'RS_misc.i.1.3.0', '10.0.1.4:80->192.168.1.3:80']);
      assert.deepEqual(rs.notify?.up, [`${dir}/scripts/notify.sh`, 'RS_notify.i.1.3', 'UP']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
