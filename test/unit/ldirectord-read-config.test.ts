import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import type { CheckDef, Model } from '../../src/model/model.js';

/**
 * ldirectord.cf read as Debian's ldirectord 4.12.0 reads it: each case is a
 * branch of read_config (or ld_setup, which fills in the defaults) in
 * /usr/sbin/ldirectord, named in the case.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ldrc-'));
let n = 0;
function write(text: string): string {
  const f = path.join(dir, `l${n++}.cf`);
  writeFileSync(f, text);
  return f;
}
const load = (text: string, strict = false): Promise<Model> => loadConfig(write(text), 'ldirectord', strict ? { strict: true } : {});
async function errors(text: string, strict = false): Promise<string[]> {
  try {
    await load(text, strict);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => formatIssue(i).replace(/^.*\/l\d+\.cf:/, ''));
  }
  assert.fail('loaded without error');
}
const checks = (m: Model, vs = 0, rs = 0): CheckDef[] => m.virtualServices[vs]!.realServers[rs]!.checkIds.map((id) => m.checks.get(id)!);

after(() => rmSync(dir, { recursive: true, force: true }));

describe('ldirectord.cf lines, as read_config splits them', () => {
  it('read_config s/\\t/    /g then /^ {4,}(.+)/: a space then a tab is 5 spaces, so ` \\tfallback=` is the virtual\'s, not a global fallback', async () => {
    const m = await load('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n \tfallback=10.9.9.9:80\nvirtual=10.0.0.1:81\n\treal=10.0.0.2:81 gate\n');
    assert.deepEqual(m.virtualServices.map((v) => (v.sorryServer ? { host: v.sorryServer.host, port: v.sorryServer.port, forwarding: v.sorryServer.forwarding } : null)), [{ host: '10.9.9.9', port: 80, forwarding: 'dr' }, null]);
  });

  it('read_config: 3 spaces end the virtual, and a global line must start in column 0 (Unknown command)', async () => {
    assert.deepEqual(await errors('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n   quiescent=yes\n'), [
      '3: quiescent: Unknown command "   quiescent=yes" (a global directive starts in column 0; a line of a virtual needs 4 or more leading spaces or a tab, and a blank line or a line indented less ends the virtual)',
    ]);
  });

  it('read_config: a blank line ends the virtual, so an indented line after it is refused', async () => {
    const e = await errors('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\n\tquiescent=yes\n');
    assert.match(e[0]!, /^4: quiescent: Unknown command "\\tquiescent=yes"/);
  });

  it('read_config: a line of 5 spaces inside a virtual is an unknown command; one of 4 ends the virtual', async () => {
    assert.match((await errors('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n     \n'))[0]!, /^3: Unknown command "     " \(a line of spaces only/);
    const m = await load('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n    \nquiescent=yes\n');
    assert.equal(m.virtualServices[0]!.onDown, 'quiescent');
  });

  it('read_config m/^\\s*#/: a comment line, even in column 0, is skipped inside a virtual and does not end it', async () => {
    const m = await load('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n# a note\n\tquiescent=yes\n');
    assert.equal(m.virtualServices[0]!.onDown, 'quiescent');
  });

  it('read_config s/#.*//: a # cuts a virtual line even inside quotes, and leaves the spaces before it', async () => {
    assert.match((await errors('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\trequest="/a#b"\n'))[0]!, /^3: request: Unknown command/);
    assert.deepEqual(await errors('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tquiescent=yes # on\n'), [
      '3: quiescent: quiescent must be \'yes\' or \'no\', got "yes " (ldirectord keeps the trailing spaces in the value)',
    ]);
  });

  it('read_config: a global line is not cut at #; a number takes its first digits, yes/no the whole value', async () => {
    const m = await load('checktimeout=7 # seconds\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=connect\n');
    assert.equal(checks(m)[0]!.timing.timeoutMs, 7000);
    assert.match((await errors('quiescent=yes # x\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n'))[0]!, /^1: quiescent: quiescent must be 'yes' or 'no', got "yes # x"/);
  });

  it('a # after a global value is refused where ldirectord refuses it, saying it starts no comment there (023-centos-inline-comments.cf)', async () => {
    const why = /a '#' after a global directive's value starts no comment: ldirectord cuts comments only from the lines inside a virtual/;
    const [fallback, quiescent] = await errors('fallback=127.0.0.1:80    #sorry server(httpd)\nquiescent=no   # note\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n');
    // parse_fallback reads the last two words as address and forwarding method: ldirectord's "forward method must be gate, masq or ipip".
    assert.match(fallback!, /^1: fallback: forward method must be gate, masq or ipip, got "server\(httpd\)"/);
    assert.match(fallback!, why);
    assert.match(quiescent!, /^2: quiescent: quiescent must be 'yes' or 'no', got "no   # note"/);
    assert.match(quiescent!, why);
  });

  it('read_config: a DOS line end stays in the value (quiescent=yes\\r is refused)', async () => {
    assert.match((await errors('virtual=10.0.0.1:80\r\n\treal=10.0.0.2:80 gate\r\n\tquiescent=yes\r\n'))[0]!, /^3: quiescent: .*DOS line endings/);
  });

  it('read_config: directive names are case-sensitive', async () => {
    assert.match((await errors('Checktimeout=5\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n'))[0]!, /^1: Checktimeout: Unknown command/);
    assert.match((await errors('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tScheduler=rr\n'))[0]!, /^3: Scheduler: Unknown command .*case-sensitive/);
  });

  it('read_config: request, receive, login, passwd need double quotes; virtualhost may have them', async () => {
    assert.match((await errors('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\trequest=/x\n'))[0]!, /^3: request: Unknown command .*double quotes/);
    const m = await load('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tvirtualhost="www.example"\n\trequest="x.html"\n');
    assert.deepEqual([checks(m)[0]!.spec.virtualHost, checks(m)[0]!.spec.path], ['www.example', '/x.html']);
  });

  it('read_config: emailalertfrom is global only; logfile is global only', async () => {
    assert.match((await errors('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\temailalertfrom=a@b.c\n'))[0]!, /^3: emailalertfrom: Unknown command .*global directive/);
  });

  it('add_real_server: the forwarding method is required (flags =~ /(\\w+)/ must be gate, masq or ipip)', async () => {
    assert.deepEqual(await errors('virtual=10.0.0.1:80\n\treal=10.0.0.2:80\n'), ['2: real: invalid address for real server (wrong format): "10.0.0.2:80" (a forwarding method, gate, masq or ipip, must follow the address)']);
  });

  it('read_config: virtual=10.0.0.1 (no port) is the fwmark 10 (/^(\\d+)/), said in a warning', async () => {
    const m = await load('virtual=10.0.0.1\n\treal=10.0.0.2 gate\n\tchecktype=on\n');
    assert.equal(m.virtualServices[0]!.fwmark, 10);
    assert.ok(m.warnings.some((w) => /virtual=10\.0\.0\.1 is the fwmark 10/.test(w)));
  });

  it('read_config: checktype with digits anywhere is combined; checktype=0 negotiates every round and never connects (_check_real)', async () => {
    const m = await load('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=0\n');
    assert.deepEqual(checks(m).map((c) => c.kind), ['http']);
  });
});

describe('ldirectord.cf timing, as ld_setup and ld_main set it', () => {
  it('ld_setup: the virtual\'s negotiatetimeout is its checktimeout before a global checktimeout', async () => {
    const m = await load('checktimeout=3\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=connect\n\tnegotiatetimeout=10\n');
    assert.equal(checks(m)[0]!.timing.timeoutMs, 10_000);
  });

  it('ld_setup (mirror image): the virtual\'s checktimeout is its negotiatetimeout before a global negotiatetimeout', async () => {
    const m = await load('negotiatetimeout=20\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktimeout=4\n');
    assert.equal(checks(m)[0]!.timing.timeoutMs, 4000);
  });

  it('ld_setup: then the global checktimeout, then the global negotiatetimeout, then 5 s and 30 s', async () => {
    const m = await load('negotiatetimeout=20\ncheckinterval=2\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=connect\nvirtual=10.0.0.1:81\n\treal=10.0.0.2:81 gate\n\tchecktype=connect\n\tservice=http\n');
    assert.equal(checks(m)[0]!.timing.timeoutMs, 20_000, 'no checktimeout anywhere: the global negotiatetimeout');
    const d = await load('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=connect\nvirtual=10.0.0.3:80\n\treal=10.0.0.2:80 gate\n');
    assert.deepEqual([checks(d, 0)[0]!.timing.timeoutMs, checks(d, 1)[0]!.timing.timeoutMs], [5000, 30_000]);
  });

  it('ld_main: with fork=no a virtual\'s checkinterval is ignored, with the warning read_config gives (check-config --strict refuses it)', async () => {
    const m = await load('checkinterval=7\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tcheckinterval=2\n');
    assert.equal(checks(m)[0]!.timing.intervalMs, 7000);
    assert.ok(m.warnings.some((w) => /:4: checkinterval: checkinterval in virtual service 10\.0\.0\.1:80 ignored when fork=no/.test(w)));
    assert.match((await errors('checkinterval=7\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tcheckinterval=2\n', true))[0]!, /^4: checkinterval: checkinterval in virtual service/);
  });

  it('run_child: with fork=yes each virtual is checked every its own checkinterval', async () => {
    const m = await load('fork=yes\ncheckinterval=7\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tcheckinterval=2\n');
    assert.deepEqual([checks(m)[0]!.timing.intervalMs, m.warnings.some((w) => /ignored when fork=no/.test(w))], [2000, false]);
  });

  it('check_ping: checkcount echo requests, each waited for checktimeout', async () => {
    const m = await load('virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=ping\n\tchecktimeout=2\n\tcheckcount=3\n');
    assert.deepEqual([checks(m)[0]!.kind, checks(m)[0]!.spec.count, checks(m)[0]!.timing.timeoutMs], ['icmp', 3, 6000]);
    assert.ok(m.warnings.some((w) => /checkcount: checkcount option is deprecated/.test(w)), 'read_config config_warn');
  });
});

describe('ldirectord.cf other directives, as read_config and the checks use them', () => {
  it('_check_real: negotiate with service none is check_none, which puts the server up unchecked (a fwmark virtual, a port with no service)', async () => {
    const m = await load('virtual=10.0.0.1:8080\n\treal=10.0.0.2:8080 gate\nvirtual=5\n\treal=10.0.0.2 gate\nvirtual=10.0.0.1:8081\n\treal=10.0.0.2:8081 gate\n\tchecktype=2\n');
    assert.deepEqual(m.virtualServices.map((v) => v.realServers[0]!.checkIds.map((id) => m.checks.get(id)!.kind)), [[], [], ['tcp']]);
    assert.ok(m.warnings.some((w) => /:1: service none: ldirectord's negotiate check of it \(check_none\) puts every real server up/.test(w)));
  });

  it('check_sip with a service inferred from port 5060 has no user (read_config sets ldirectord@HOSTNAME only for service=sip): refused, naming why', async () => {
    assert.deepEqual(await errors('virtual=10.0.0.1:5060\n\tprotocol=udp\n\treal=10.0.0.2:5060 gate\n'), ['1: service: service sip (from the virtual\'s port) needs login= or service=sip: ldirectord sends OPTIONS sip: with no user, which no server answers 200, so every server would be down']);
    const m = await load('virtual=10.0.0.1:5060\n\tprotocol=udp\n\treal=10.0.0.2:5060 gate\n\tservice=sip\n');
    assert.match(String(checks(m)[0]!.spec.uri), /^ldirectord@/);
  });

  it('check_ftp with an inferred service logs in as Net::FTP does with an empty login: anonymous, empty password', async () => {
    const m = await load('virtual=10.0.0.1:21\n\treal=10.0.0.2:21 gate\n\treceive="x"\n\trequest="f"\n');
    assert.deepEqual([checks(m)[0]!.spec.user, checks(m)[0]!.spec.pass], ['anonymous', '']);
  });

  it('read_config smtp: only the host (^[0-9A-Za-z._+-]+) is kept; Net::SMTP talks to port 25', async () => {
    const m = await load('emailalert=a@b.example\nsmtp=10.1.1.1:2525\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n');
    assert.deepEqual([m.notify.email?.smtp.host, m.notify.email?.smtp.port], ['10.1.1.1', 25]);
  });

  it('do_fallback_command runs the command through system(STRING): a shell when it has shell characters', async () => {
    const m = await load('fallbackcommand="/usr/local/bin/sorry"\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\nvirtual=10.0.0.1:81\n\treal=10.0.0.2:81 gate\n\tfallbackcommand=/bin/logger -t ld; true\n');
    assert.deepEqual(m.virtualServices.map((v) => v.notify?.fallbackCommand), [['/usr/local/bin/sorry'], ['/bin/sh', '-c', '/bin/logger -t ld; true "$@"', 'sh']]);
  });

  it('fallback_find: a global fallback has no entry for protocol fwm; ldirectord\'s ipvsadm call fails and it carries on: no sorry server, a tolerated warning', async () => {
    const m = await load('fallback=10.9.9.9:80\nvirtual=5\n\treal=10.0.0.2 gate\n\tchecktype=on\n');
    assert.equal(m.virtualServices[0]!.sorryServer, null);
    assert.ok(m.warnings.some((w) => /:1: fallback: the global fallback does not apply to the fwmark virtual/.test(w)));
  });

  it('ld_checkport and ipvsadm: a gate real on another port is pooled on the virtual\'s port and checked on its own', async () => {
    const m = await load('virtual=10.0.0.1:80\n\treal=10.0.0.2:8080 gate\n\tchecktype=connect\n');
    assert.deepEqual([m.virtualServices[0]!.realServers[0]!.key, checks(m)[0]!.target.port], ['10.0.0.2:80', 8080]);
  });
});
