import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Backend } from '../helpers/backend.js';
import { CLI, DaemonProcess } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/ports.js';
import { removeDir, runDaemon, testDir } from '../helpers/run-daemon.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { recordFault } from './fault-rows.js';

/**
 * One real server of an ldirectord.cf given by a name that does not resolve
 * (issue 22, item 7): ldirectord refuses the whole file, and rsguard used to
 * exit 1 after the resolver's timeout. Now the director starts with the other
 * server; the unresolved one is listed in status, `rsguard status` and
 * metrics as a check error "unresolved NAME" (neither up nor down, not in the
 * pool); it is mailed once, however often the name is asked again (every
 * 10 s); when the name resolves the server is added, its address logged at
 * info and one mail says so.
 *
 * The name is under `.invalid` (RFC 2606): resolvers answer NXDOMAIN at once,
 * without leaving the machine. To make it resolve, the daemon runs in its own
 * mount namespace (unshare -m) with a copy of /etc/hosts bind-mounted over
 * /etc/hosts (the test appends the name to that copy) and a directory of the
 * test's over /var/lib/rsguard (the mail spool and state file are the
 * test's own). The real files are never written. Skipped where unshare -m is
 * not allowed (not root). ldirectord's smtp= takes a host only (port 25): the
 * SMTP sink listens on 127.22.0.25:25. Ports from this test's range (22000+).
 */
const NAME = 'web9.rsguard-fault.invalid';
const SMTP_HOST = '127.22.0.25';
const canUnshare = spawnSync('unshare', ['-m', 'true']).status === 0;
const run = promisify(execFile);

interface Rs {
  address: string;
  port: number;
  state: string;
  inPool: boolean;
  lastCheck: unknown;
  checkError: { reason: string; detail: string } | null;
}

describe('a real server name that does not resolve (ldirectord.cf)', { skip: canUnshare ? false : 'unshare -m not allowed here (needs root)' }, () => {
  let dir: string;
  let hosts: string;
  let known: Backend;
  let named: Backend;
  let smtp: SmtpSink;
  let daemon: DaemonProcess;
  const api = 22001;
  let startMs = 0;
  before(async () => {
    dir = testDir('unresolved');
    hosts = path.join(dir, 'hosts');
    writeFileSync(hosts, readFileSync('/etc/hosts'));
    const varLib = path.join(dir, 'var-lib-rsguard');
    mkdirSync(varLib);
    mkdirSync('/var/lib/rsguard', { recursive: true });
    known = new Backend(22002, 'known');
    named = new Backend(22003, 'named');
    await known.start();
    await named.start();
    smtp = new SmtpSink(25, SMTP_HOST);
    await smtp.start();
    const began = Date.now();
    ({ daemon } = await runDaemon(dir, `checktimeout=1\ncheckinterval=1\nemailalert=ops@example.com\nsmtp=${SMTP_HOST}\nvirtual=192.0.2.80:80\n\treal=${NAME}:${named.port} masq\n\treal=127.0.0.1:${known.port} masq\n\tchecktype=connect\n`, {
      file: 'ldirectord.cf',
      api,
      args: ['--listen', `127.0.0.1:${api}`, '--dry-run', '--log-level', 'debug'],
      wrap: ['unshare', '-m', 'sh', '-c', 'mount --bind "$0" /etc/hosts && mount --bind "$1" /var/lib/rsguard && shift && exec "$@"', hosts, varLib],
      startMs: 20_000,
    }));
    startMs = Date.now() - began;
  });
  after(async () => {
    await daemon?.stop();
    await known?.kill();
    await named?.kill();
    await smtp?.stop();
    removeDir(dir);
  });
  const servers = async () => ((await (await fetch(`http://127.0.0.1:${api}/api/status`)).json()) as { virtualServices: Array<{ realServers: Rs[] }> }).virtualServices[0]!.realServers;
  const metrics = async () => (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
  const nameErrors = () => daemon.logs.filter((l) => l.level >= 50 && l.msg === 'host name does not resolve: its servers are left out until it does' && l.name === NAME);
  const askedAgain = () => daemon.logs.filter((l) => l.msg === 'host names asked again');
  const mailLines = (re: RegExp) => smtp.mails.flatMap((m) => m.body.split('\n')).filter((l) => re.test(l));
  const unresolvedMail = new RegExp(`${NAME.replace(/\./g, '\\.')}:${22003} in .*: unresolved ${NAME.replace(/\./g, '\\.')}, its host name gives no address`);
  const resolvedMail = new RegExp(`\\(unresolved\\) run again \\(${NAME.replace(/\./g, '\\.')} resolves to 127\\.0\\.0\\.1\\)`);

  it('starts with the other server, shows the unresolved one as a check error, mails once, and adds it with its address when the name resolves', async () => {
    // The loopback server is checked and in the pool; the unresolved one is listed, in no pool, neither up nor down.
    const rs = await waitFor('the loopback server up', async () => {
      const s = await servers();
      return s.length === 2 && s.some((r) => r.port === known.port && r.state === 'up' && r.lastCheck !== null) ? s : undefined;
    });
    const waiting = rs.find((r) => r.port === named.port)!;
    assert.deepEqual([waiting.address, waiting.state, waiting.inPool, waiting.lastCheck], [NAME, 'unknown', false, null]);
    assert.deepEqual(waiting.checkError && [waiting.checkError.reason, waiting.checkError.detail], ['unresolved', `unresolved ${NAME}`]);
    const table = (await run(process.execPath, [CLI, 'status', '--url', `http://127.0.0.1:${api}`])).stdout;
    assert.match(table, new RegExp(`-> ${NAME.replace(/\./g, '\\.')}:${named.port} +\\S+ +0 +unknown .*CHECK ERROR \\(unresolved\\) unresolved ${NAME.replace(/\./g, '\\.')}; not in the pool until it resolves`));
    const m = await metrics();
    assert.match(m, /^rsguard_checks_erroring\{reason="unresolved"\} 1$/m);
    assert.match(m, new RegExp(`^rsguard_real_server_unresolved\\{vs="[^"]+",name="${NAME.replace(/\./g, '\\.')}",port="${named.port}"\\} 1$`, 'm'));
    assert.equal(nameErrors().length, 1);
    const tolerated = daemon.logs.find((l) => l.msg === 'config directive accepted but ignored' && String(l.warning).includes(NAME));
    assert.match(String(tolerated?.warning), /ldirectord\.cf:6: real: invalid address \(web9\.rsguard-fault\.invalid\) for real server \(could not resolve host: ENOTFOUND\)/);

    // Two retries go by (every 10 s) with the name still unresolved, and the digest (10 s) is sent: each retry could
    // have logged or mailed again; one error log and one mail line it must stay.
    await waitFor('two retries', () => (askedAgain().length >= 2 ? true : undefined), 25_000, 200);
    assert.ok(askedAgain().every((l) => l.changed === false));
    await waitFor('the first mail', () => (mailLines(unresolvedMail).length ? true : undefined), 15_000, 200);
    assert.equal(nameErrors().length, 1, 'logged once, not at every retry');
    assert.equal(mailLines(unresolvedMail).length, 1, 'mailed once, not at every retry');
    assert.equal(daemon.logs.filter((l) => l.msg === 'server added: its name resolves now').length, 0);

    const mark = daemon.mark();
    const fixedAt = Date.now();
    appendFileSync(hosts, `127.0.0.1 ${NAME}\n`);
    const added = await daemon.waitForLog('server added', (l) => l.msg === 'server added: its name resolves now', 15_000, mark);
    const addedMs = Date.now() - fixedAt;
    assert.equal(added.to, `127.0.0.1:${named.port}`);
    const resolved = await daemon.waitForLog('name resolves', (l) => l.msg === 'host name resolves now' && l.name === NAME, 1000, mark);
    assert.equal(resolved.level, 30);
    assert.deepEqual(resolved.addresses, ['127.0.0.1']);
    const cleared = await daemon.waitForLog('check error cleared', (l) => l.msg === 'checks run again' && l.checkError === 'unresolved', 1000, mark);
    assert.deepEqual([cleared.level, cleared.detail], [30, `${NAME} resolves to 127.0.0.1`]);
    const both = await waitFor('both servers up', async () => {
      const s = await servers();
      return s.length === 2 && s.every((r) => r.state === 'up' && r.lastCheck !== null && r.checkError === null) ? s : undefined;
    });
    assert.deepEqual(both.map((r) => r.port).sort(), [known.port, named.port].sort());
    const later = await metrics();
    assert.match(later, /^rsguard_checks_erroring\{reason="unresolved"\} 0$/m);
    assert.doesNotMatch(later, /^rsguard_real_server_unresolved\{/m);
    await waitFor('the resolved mail', () => (mailLines(resolvedMail).length ? true : undefined), 15_000, 200);
    assert.equal(mailLines(resolvedMail).length, 1);
    assert.equal(mailLines(unresolvedMail).length, 1);
    assert.equal(nameErrors().length, 1);
    // The loopback server never left the pool while the other name was missing and then added.
    const downs = daemon.logs.filter((l) => l.msg === 'real server state changed' && l.to === 'down');
    assert.deepEqual(downs, []);
    recordFault({
      fault: 'a real server name that does not resolve (ldirectord.cf, NXDOMAIN), then resolves',
      tried: 1,
      transitionsLost: 0,
      mailsLost: 0,
      mailsDuplicated: mailLines(unresolvedMail).length - 1 + mailLines(resolvedMail).length - 1,
      poolFlaps: downs.length,
      crashes: 0,
      note: `started with the other server in ${(startMs / 1000).toFixed(1)} s; shown as check error "unresolved" (status, rsguard status, metrics), out of the pool; one error log and one mail over ${askedAgain().length} retries; server added ${(addedMs / 1000).toFixed(1)} s after the name resolved (retry every 10 s), address logged at info, one mail`,
    });
  });
});
