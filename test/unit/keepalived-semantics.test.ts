import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { importKeepalived } from '../../src/config/import/keepalived.js';
import { scriptLine, splitCommand, splitWords } from '../../src/config/import/keepalived-split.js';
import { loadConfig } from '../../src/config/load.js';
import type { Model } from '../../src/model/model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ka-sem-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(text: string): string {
  const file = path.join(dir, `k${n++}.conf`);
  writeFileSync(file, text);
  return file;
}
const load = (text: string) => loadConfig(write(text), 'keepalived', { configId: 'x' });
async function tolerated(text: string): Promise<string[]> {
  const r = await importKeepalived(write(text), 'x');
  assert.deepEqual(r.errors, []);
  return (r.tolerated ?? []).map((t) => `${t.line}: ${t.message}`);
}
const checkOf = (m: Model, vs = 0, rs = 0, c = 0) => m.checks.get(m.virtualServices[vs]!.realServers[rs]!.checkIds[c]!)!;
const VS = (body: string, head = 'virtual_server 10.0.0.1 80') => `${head} {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n${body}\n}\n`;

describe('keepalived script lines (lib/parser.c alloc_strvec_quoted_escaped, lib/notify.c notify_script_init)', () => {
  it('the config words: "..." is one word without quotes; single quotes are plain characters (alloc_strvec_r)', () => {
    assert.deepEqual(splitWords(`misc_path "sh -c 'a b'" x'y`).words, ['misc_path', "sh -c 'a b'", "x'y"]);
  });
  it('script words: single and double quotes group, backslash escapes as in C', () => {
    assert.deepEqual(splitCommand(`sh -c 'test -f a && ! test -f b'`).words, ['sh', '-c', 'test -f a && ! test -f b']);
    assert.deepEqual(splitCommand(`a"b c"d \\x41\\102 \\" \\t`).words, ['ab cd', 'AB', '"', '\t']);
    assert.match(splitCommand(`sh -c 'unterminated`).error!, /missing terminating '/);
  });
  it('the second word of the line is the script, split again; words after it are the user and group', () => {
    assert.deepEqual(scriptLine(`misc_path "curl -s -o /dev/null -w %{http_code} http://10.0.0.2/"`), { argv: ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://10.0.0.2/'], extra: [] });
    assert.deepEqual(scriptLine(`notify_up /usr/local/bin/up arg`), { argv: ['/usr/local/bin/up'], extra: ['arg'] });
  });
  it('a whole file: MISC_CHECK with {} and ! inside the quotes, quorum_up with single quotes', async () => {
    const m = await load(
      VS(`  quorum_up "/bin/sh -c 'logger up && ! false'"
  real_server 10.0.0.2 80 {
    MISC_CHECK {
      misc_path "curl -w %{http_code} -s http://10.0.0.2/"
    }
    notify_down "/usr/local/bin/rs 'down now'" nobody
  }`),
    );
    assert.deepEqual(checkOf(m).spec.command, ['curl', '-w', '%{http_code}', '-s', 'http://10.0.0.2/']);
    assert.deepEqual(m.virtualServices[0]!.notify?.quorumUp, ['/bin/sh', '-c', 'logger up && ! false']);
    assert.deepEqual(m.virtualServices[0]!.realServers[0]!.notify?.down, ['/usr/local/bin/rs', 'down now']);
    assert.ok(m.warnings.some((w) => /notify_down user\/group nobody accepted but not acted on/.test(w)));
  });
});

describe("each checker's own keywords (check_tcp.c, check_http.c, check_misc.c ... install_checker_common_keywords)", () => {
  it('nb_get_retry is an HTTP_GET/SSL_GET keyword only: in TCP_CHECK it is unknown and retry stays 1 (fall 2)', async () => {
    const text = VS(`  real_server 10.0.0.2 80 {
    TCP_CHECK {
      nb_get_retry 3
    }
  }`);
    const m = await load(text);
    assert.equal(checkOf(m).timing.fall, 2);
    assert.deepEqual(await tolerated(text), ["7: Unknown keyword 'nb_get_retry' (ignored, as keepalived 2.2.7 does)"]);
  });
  it('nb_get_retry in HTTP_GET is taken as retry and logged as deprecated (http_get_retry_handler)', async () => {
    const text = VS(`  real_server 10.0.0.2 80 {
    HTTP_GET {
      url { path / }
      nb_get_retry 3
    }
  }`);
    assert.equal(checkOf(await load(text)).timing.fall, 4);
    assert.deepEqual(await tolerated(text), ["8: nb_get_retry is deprecated - please use 'retry'"]);
  });
  it('MISC_CHECK registers no connection keywords: connect_timeout there is unknown; a url keyword outside url is unknown', async () => {
    const t = await tolerated(
      VS(`  real_server 10.0.0.2 80 {
    MISC_CHECK {
      misc_path /bin/true
      connect_timeout 3
    }
    HTTP_GET {
      url { path / }
      status_code 200
    }
  }`),
    );
    assert.deepEqual(t, ["8: Unknown keyword 'connect_timeout' (ignored, as keepalived 2.2.7 does)", "12: Unknown keyword 'status_code' (ignored, as keepalived 2.2.7 does)"]);
  });
  it('lb_kind is no real_server keyword (only lvs_method is): logged, the virtual method stays', async () => {
    const text = VS(`  real_server 10.0.0.2 80 {
    lb_kind DR
  }`);
    assert.equal((await load(text)).virtualServices[0]!.realServers[0]!.forwarding, 'nat');
    assert.deepEqual(await tolerated(text), ["6: Unknown keyword 'lb_kind' (ignored, as keepalived 2.2.7 does)"]);
  });
});

describe('virtual_server defaults and what keepalived logs and reads past (check_parser.c, check_data.c validate_check_config)', () => {
  const bare = `virtual_server 10.0.0.1 80 {
  lb_algo foo
  lb_kind dr
  persistence_timeout 0
  nat_mask 255.255.255.0
  real_server 10.0.0.2 80 {
  }
}
`;
  it('no protocol is UDP; lower-case dr and an unknown lb_algo are ignored (NAT, wlc); persistence_timeout 0 is invalid', async () => {
    const m = await load(bare);
    const vs = m.virtualServices[0]!;
    assert.deepEqual([vs.key, vs.scheduler, vs.forwarding, vs.persistence], ['udp:10.0.0.1:80', 'wlc', 'nat', null]);
    // What keepalived 2.2.7 --config-test prints for the same file.
    assert.deepEqual(await tolerated(bare), [
      "2: invalid lvs_scheduler 'foo' - ignoring (keepalived then uses wlc)",
      '3: PARSER : unknown [dr] routing method for virtual server (the previous or default method stays, as in keepalived)',
      '4: persistence_timeout "0" invalid (expected an integer in [1, 2678400]) - ignoring, as keepalived does',
      "5: Unknown keyword 'nat_mask' (ignored, as keepalived 2.2.7 does)",
      '1: virtual server 10.0.0.1:80: no protocol set - defaulting to UDP',
      "1: virtual server 10.0.0.1:80: no scheduler set, setting default 'wlc'",
      '1: virtual server 10.0.0.1:80: no forwarding method set, setting default NAT',
    ]);
  });
  it('loads with a warning naming the line; check-config --strict refuses it', async () => {
    const file = write(bare);
    const m = await loadConfig(file, 'keepalived', { configId: 'x' });
    assert.ok(m.warnings.some((w) => w.startsWith(`${file}:5: nat_mask: Unknown keyword 'nat_mask'`)));
    await assert.rejects(loadConfig(file, 'keepalived', { configId: 'x', strict: true }), ConfigError);
  });
  it('protocol SCTP is an SCTP service, checks as for TCP', async () => {
    const m = await load(`virtual_server 10.0.0.1 3868 {
  protocol SCTP
  lb_algo rr
  lb_kind DR
  real_server 10.0.0.2 3868 {
    TCP_CHECK { }
  }
}
`);
    assert.deepEqual([m.virtualServices[0]!.key, checkOf(m).kind], ['sctp:10.0.0.1:3868', 'tcp']);
  });
  it('a virtual_server without real servers is ignored ("has no real servers - ignoring")', async () => {
    const r = await importKeepalived(write(`${VS('  real_server 10.0.0.2 80 {\n  }')}${VS('', 'virtual_server 10.0.0.9 80')}`), 'x');
    assert.deepEqual((r.input.virtualServices as Array<{ name: string }>).map((v) => v.name), ['10.0.0.1:80']);
    assert.match((r.tolerated ?? []).map((t) => t.message).join('\n'), /10\.0\.0\.9:80: has no real servers - ignoring/);
  });
});

describe('real server ports (check_data.c validate_check_config)', () => {
  it('DR and TUN take the virtual port ("ports don\'t match - resetting"); NAT keeps its own and fills a missing one', async () => {
    const text = `virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo rr
  lb_kind DR
  real_server 10.0.0.2 8080 {
  }
  real_server 10.0.0.3 8080 {
    lvs_method NAT
  }
  real_server 10.0.0.4 {
    lvs_method NAT
  }
}
`;
    const m = await load(text);
    assert.deepEqual(m.virtualServices[0]!.realServers.map((r) => r.key), ['10.0.0.2:80', '10.0.0.3:8080', '10.0.0.4:80']);
    assert.deepEqual(await tolerated(text), ["5: virtual server 10.0.0.1:80 and real server 10.0.0.2:8080 ports don't match - resetting to 80"]);
  });
  it('behind a fwmark a DR real server and the sorry server lose their port ("has port specified - clearing")', async () => {
    const text = `virtual_server fwmark 5 {
  lb_algo rr
  lb_kind DR
  sorry_server 10.0.0.9 80
  real_server 10.0.0.2 80 {
  }
}
`;
    const m = await load(text);
    assert.deepEqual([m.virtualServices[0]!.realServers[0]!.key, m.virtualServices[0]!.sorryServer?.port], ['10.0.0.2:0', 0]);
    assert.deepEqual(await tolerated(text), ['5: fwmark virtual server fwmark 5, real server 10.0.0.2:80 has port specified - clearing', '4: fwmark virtual server fwmark 5, sorry server 10.0.0.9:80 has port specified - clearing']);
  });
});

describe('block structure (lib/parser.c read_line and process_stream)', () => {
  it('an unquoted { in a word cuts the line; after a keyword with no sublevel it is "Unexpected", and its } ends the enclosing block', async () => {
    // keepalived 2.2.7 -t on this file: "Unexpected '{' - ignoring", "Unknown keyword 'http_code'",
    // "Unknown keyword 'http://10.0.0.2/'" (now in real_server), "Unknown keyword '}'" (line 11); weight 3 lands in virtual_server.
    const text = `virtual_server 10.0.0.1 80 {
  protocol TCP
  lb_algo rr
  lb_kind NAT
  real_server 10.0.0.2 80 {
    MISC_CHECK {
      misc_path curl -w %{http_code} http://10.0.0.2/
    }
    weight 3
  }
}
`;
    const m = await load(text);
    // misc_path_handler execs only the line's second word, split again: "curl" (the -w and % after it are dropped, with a warning).
    assert.deepEqual(checkOf(m).spec.command, ['curl']);
    assert.ok(m.warnings.some((w) => /misc_path: keepalived runs "curl" and ignores "-w %"/.test(w)));
    assert.equal(m.virtualServices[0]!.realServers[0]!.weight, 3, 'the virtual_server weight is the default of its real servers');
    const t = await tolerated(text);
    for (const expected of ["7: unexpected '{' - ignoring", "7: Unknown keyword 'http_code' (ignored, as keepalived 2.2.7 does)", "7: Unknown keyword 'http://10.0.0.2/' (ignored, as keepalived 2.2.7 does)", "11: extra '}' found"]) {
      assert.ok(t.includes(expected), `${expected} in ${t.join('; ')}`);
    }
  });
  it('a sublevel keyword without its { reads the next lines in that sublevel ("Missing \'{\' at beginning of configuration block")', async () => {
    const t = await tolerated(`${VS(`  real_server 10.0.0.2 80
  weight 2`)}`);
    assert.ok(t.some((x) => /^6: missing '\{' at beginning of configuration block real_server/.test(x)), t.join('; '));
  });
});

describe('global_defs and undefined parameters', () => {
  it('notification_email is a value block: every word is an address (global_parser.c email_handler)', async () => {
    const m = await load(`global_defs {
  notification_email {
    a@example.com b@example.com
    <c@example.com>
  }
  smtp_server 127.0.0.1
}
${VS('  real_server 10.0.0.2 80 {\n  }')}`);
    assert.deepEqual(m.notify.email?.to, ['a@example.com', 'b@example.com', 'c@example.com']);
  });
  it('${NAME} with no definition stays as written (keepalived.conf(5)) and is named in a warning; ${_ENV} is no 2.2.7 predefined parameter', async () => {
    const file = write(VS(`  real_server 10.0.0.2 80 {
    MISC_CHECK {
      misc_path "/bin/check \${_ENV} \${UNDEF}"
    }
  }`));
    const m = await loadConfig(file, 'keepalived', { configId: 'x' });
    assert.deepEqual(checkOf(m).spec.command, ['/bin/check', '${_ENV}', '${UNDEF}']);
    assert.ok(m.warnings.some((w) => w.startsWith(`${file}:7: \${_ENV} is not defined (keepalived 2.2.7 predefines only`)));
    assert.ok(m.warnings.some((w) => w.startsWith(`${file}:7: \${UNDEF} is not defined:`)));
  });
});

describe('vrrp notify scripts (notify_script_init)', () => {
  it('the script keepalived runs is the second word of the line; a user after it is not part of the command', async () => {
    const m = await load(`vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  notify_master "/etc/keepalived/to-master.sh 'a b'" root
  notify_backup /etc/keepalived/to-backup.sh keepalived_script
}
`);
    assert.deepEqual(m.vrrp.instances[0]!.keepalivedNotify, { master: "/etc/keepalived/to-master.sh 'a b'", backup: '/etc/keepalived/to-backup.sh' });
  });
});

describe('what keepalived refuses outright, and comments read twice', () => {
  it('a keyword whose handler needs a value and has none is refused (null_strvec: "is missing a parameter", keepalived exits)', async () => {
    const r = await importKeepalived(write(VS('  lb_algo\n  real_server 10.0.0.2 80 {\n  }')), 'x');
    assert.deepEqual(r.errors.map((e) => `${e.line}: ${e.message}`), ['5: configuration line starting `lb_algo` is missing a parameter (keepalived 2.2.7 exits on it)']);
  });
  it('\\! and \\# outside quotes end up comments: the checker reads a decommented copy of the file and decomments it again', async () => {
    // keepalived 2.2.7 -t on `lb_kind \!bang`: "Configuration line starting `lb_kind` is missing a parameter".
    const r = await importKeepalived(write(VS('  lb_kind \\!bang\n  lb_kind "q\\!"\n  real_server 10.0.0.2 80 {\n  }')), 'x');
    assert.deepEqual(r.errors.map((e) => `${e.line}: ${e.path}`), ['5: lb_kind']);
    assert.ok((r.tolerated ?? []).some((t) => t.line === 6 && t.message.includes('unknown [q\\!]')));
  });
});

describe('virtual_server_group entries (check_data.c alloc_vsg_entry)', () => {
  it('an entry keepalived cannot read is logged and skipped (a short range must end above its start); full-address ranges span octets', async () => {
    const text = `virtual_server_group G {
  10.0.0.1 80
  10.0.0.5-3 80
  fwmark 7 inet5
  not-an-ip 80
  10.0.1.254-10.0.2.1 80
  10.0.3.7-7 80
}
${VS('  real_server 10.0.0.9 80 {\n  }', 'virtual_server group G')}`;
    const m = await load(text);
    assert.deepEqual(m.virtualServices.map((v) => v.key), ['tcp:10.0.0.1:80', 'tcp:10.0.1.254:80', 'tcp:10.0.1.255:80', 'tcp:10.0.2.0:80', 'tcp:10.0.2.1:80']);
    const t = await tolerated(text);
    assert.deepEqual(t.filter((x) => /skipping/.test(x)).map((x) => x.split(':')[0]), ['3', '4', '5', '7']);
  });
});

describe('vrrp_instance priority as vrrp_prio_handler reads it', () => {
  it('a priority that is not 1-255 is logged and becomes 100, and the file loads (vrrp_parser.c: "Priority not valid! ... Using default 100")', async () => {
    const { importKeepalived } = await import('../../src/config/import/keepalived.js');
    for (const bad of ['PRI', '100,master', '0', '256']) {
      const r = await importKeepalived('k.conf', undefined, `vrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n  priority ${bad}\n  virtual_ipaddress {\n    10.0.0.100\n  }\n}\n`);
      assert.deepEqual(r.errors, [], bad);
      assert.equal(((r.input.vrrp as { instances: Array<{ priority: number }> }).instances[0]!).priority, 100, bad);
      assert.match(r.tolerated?.[0]?.message ?? '', /Priority not valid/, bad);
    }
  });
});

describe('an IPv6 real server written without a port', () => {
  it('takes the virtual\'s port (check_data.c), as one address: [2001:db8::1]:80', async () => {
    const r = await importKeepalived('k.conf', undefined, 'virtual_server 2001:db8::100 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 2001:db8::1 {\n    TCP_CHECK {\n      connect_port 80\n    }\n  }\n}\n');
    assert.deepEqual(r.errors, []);
    const vs = (r.input.virtualServices as Array<{ realServers: Array<{ address: string }> }>)[0]!;
    assert.deepEqual(vs.realServers.map((x) => x.address), ['[2001:db8::1]:80']);
  });
});
