import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import type { Model } from '../../src/model/model.js';

/**
 * Differential test against ldirectord itself: Debian's /usr/sbin/ldirectord
 * with its main program replaced by "read_config(); ld_setup();" and a JSON
 * dump of what they made (@VIRTUAL, the globals, fallback_find per virtual).
 * For each config both accept it or both refuse it (rsguard naming the line
 * ldirectord names), and when accepted they agree on every virtual's
 * address, protocol, scheduler, persistence, quiescent, fallback, interval,
 * failurecount, timeout and every real server's address, weight and
 * forwarding. Skipped where ldirectord or perl's JSON::PP is not installed.
 */
const LDIRECTORD = '/usr/sbin/ldirectord';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-ldoracle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function harness(): string | undefined {
  if (!existsSync(LDIRECTORD) || spawnSync('perl', ['-MJSON::PP', '-MSocket6', '-e', '1']).status !== 0) return undefined;
  const src = readFileSync(LDIRECTORD, 'utf8');
  const start = src.indexOf('if ($DEBUG>0 and -f "./ipvsadm")');
  const endMark = '&ld_exit(0, "Reached end of \\"main\\"");';
  const end = src.indexOf(endMark);
  if (start < 0 || end < 0) return undefined;
  const main = `
$IPVSADM = "/bin/true"; $DEBUG = 0; $opt_d = 1; $CONFIG = $ARGV[0]; $CFGNAME = "oracle"; $HOSTNAME = "localhost";
$DAEMON_STATUS = $DAEMON_STATUS_STARTING;
read_config(); ld_setup();
use JSON::PP;
for my $v (@VIRTUAL) { my $f = eval { fallback_find($v) }; $v->{fallback_found} = $@ ? undef : $f; }
print JSON::PP->new->canonical->allow_nonref->encode({ checkinterval => $CHECKINTERVAL, fork => $FORKING, quiescent => $QUIESCENT, virtual => \\@VIRTUAL }), "\\n";
CORE::exit(0);
`;
  const f = path.join(dir, 'ldirectord-oracle.pl');
  writeFileSync(f, src.slice(0, start) + main + src.slice(end + endMark.length));
  return f;
}

interface LdReal { server: string; port: string | number; weight: string | number; forward: string }
interface LdVirtualOut {
  protocol: string; server?: string; port: string | number; fwm?: string; scheduler: string; persistent?: string; netmask?: string; quiescent?: string;
  checktype: string; service: string; checktimeout: number; checkcount: number; negotiatetimeout: number; failurecount: number; checkinterval?: string;
  fallback_found?: { server?: string; port?: string | number; forward?: string } | null; real: LdReal[];
}

function oracle(pl: string, cfg: string): { ok: true; out: { checkinterval: number; fork: string; quiescent: string; virtual: LdVirtualOut[] } } | { ok: false; line: number | undefined; message: string } {
  const r = spawnSync('perl', [pl, cfg], { encoding: 'utf8', timeout: 20_000 });
  if (r.status === 0) return { ok: true, out: JSON.parse(r.stdout.trim().split('\n').pop()!) };
  const m = /^Error \[\d+\] reading file .* at line (\d+): (.*)$/m.exec(r.stderr);
  return { ok: false, line: m ? Number(m[1]) : undefined, message: m?.[2] ?? r.stderr };
}

const FWD: Record<string, string> = { gate: 'dr', masq: 'nat', ipip: 'tun' };
const strip = (h: string) => h.replace(/^\[(.*)\]$/, '$1');

/** What ldirectord made of each virtual, in rsguard's terms. */
function expected(out: { checkinterval: number; fork: string; quiescent: string; virtual: LdVirtualOut[] }) {
  return out.virtual.map((v) => {
    const negotiate = v.checktype === 'negotiate' || v.checktype === 'combined';
    // check_none and checktype=on put a server up unchecked; check_ping waits checktimeout for each of checkcount requests.
    const unchecked = v.checktype === 'on' || v.checktype === 'off' || (v.checktype === 'negotiate' && v.service === 'none');
    const ping = v.checktype === 'ping' || (v.checktype === 'connect' && v.protocol === 'udp');
    const vport = Number(v.port);
    const fb = v.fallback_found;
    return {
      key: v.protocol === 'fwm' ? `fwmark:${v.fwm}` : `${v.protocol}:${strip(v.server!)}:${vport}`,
      scheduler: v.scheduler,
      persistence: v.persistent === undefined ? null : { timeoutMs: Number(v.persistent) * 1000, netmask: v.netmask },
      onDown: (v.quiescent ?? out.quiescent) === 'yes' ? 'quiescent' : 'remove',
      // checktype=off too: ld_start puts every virtual's fallback in, and no check of it takes it out.
      sorry: !fb?.server ? null : `${strip(fb.server)}:${Number(fb.port ?? 0)} ${FWD[fb.forward ?? 'gate']}`,
      intervalMs: unchecked ? undefined : (out.fork === 'yes' && v.checkinterval ? Number(v.checkinterval) : Number(out.checkinterval)) * 1000,
      fall: unchecked ? undefined : Number(v.failurecount),
      timeoutMs: unchecked ? undefined : (negotiate && v.service !== 'none' ? v.negotiatetimeout : v.checktimeout) * (ping ? v.checkcount : 1) * 1000,
      // ipvsadm gives DR and TUN destinations of a non-fwmark service the service's port; a port-less one takes it too.
      reals: v.checktype === 'off' ? [] : v.real.map((r) => `${strip(r.server)}:${v.protocol !== 'fwm' && (r.forward !== 'masq' || Number(r.port) === 0) ? vport : Number(r.port)} w${Number(r.weight)} ${FWD[r.forward]}`),
    };
  });
}

function actual(m: Model) {
  return m.virtualServices.map((vs) => {
    const c = vs.realServers[0]?.checkIds.map((id) => m.checks.get(id)!);
    // The timeout compared is the negotiate check's (the last), or the connect one's when a combined check has no negotiate part.
    const main = c?.[c.length - 1];
    return {
      key: vs.fwmark !== undefined ? `fwmark:${vs.fwmark}` : `${vs.protocol}:${vs.host}:${vs.port}`,
      scheduler: vs.scheduler,
      persistence: vs.persistence ? { timeoutMs: vs.persistence.timeoutMs, netmask: vs.persistence.netmask } : null,
      onDown: vs.onDown,
      sorry: vs.sorryServer ? `${vs.sorryServer.host}:${vs.sorryServer.port} ${vs.sorryServer.forwarding}` : null,
      intervalMs: main ? (c!.length > 1 ? c![0]!.timing.intervalMs : main.timing.intervalMs) : undefined,
      fall: main?.timing.fall,
      timeoutMs: main?.timing.timeoutMs,
      reals: vs.realServers.map((r) => `${r.host}:${r.port} w${r.weight} ${r.forwarding}`),
    };
  });
}

/** Configs that exercise read_config's parsing and ld_setup's defaults (no service rsguard refuses on purpose: oracle, sql without login). */
const CASES: Array<[string, string]> = [
  ['tab, space-tab, 4 spaces', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n \tfallback=10.9.9.9:80\n    real=10.0.0.3:80 masq 3\nvirtual=10.0.0.1:81\n\treal=10.0.0.2:81 gate\n'],
  ['3 spaces end the virtual', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n   quiescent=yes\n'],
  ['blank line then an indented line', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\n\tquiescent=yes\n'],
  ['comment in column 0 inside a virtual', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n# note\n\tquiescent=yes\n'],
  ['trailing comment on a virtual yes/no', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tquiescent=yes # on\n'],
  ['trailing comment on a global number', 'checktimeout=7 # s\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=connect\n'],
  ['key=value without spaces and with', 'checkinterval = 3\nvirtual = 10.0.0.1:80\n\treal = 10.0.0.2:80 gate 2\n\tscheduler = rr\n\tpersistent = 300\n\tnetmask = 255.255.255.0\n'],
  ['case-sensitive names', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tScheduler=rr\n'],
  ['unquoted request', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\trequest=/x\n'],
  ['real without forwarding', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80\n'],
  ['timeout precedence 1', 'checktimeout=3\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=connect\n\tnegotiatetimeout=10\n'],
  ['timeout precedence 2', 'negotiatetimeout=20\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktimeout=4\n'],
  ['timeout precedence 3', 'negotiatetimeout=20\nchecktimeout=6\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\nvirtual=10.0.0.1:81\n\treal=10.0.0.2:81 gate\n\tchecktype=connect\n'],
  ['failurecount and checkinterval, fork=no', 'failurecount=3\ncheckinterval=4\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tfailurecount=2\n\tcheckinterval=9\n'],
  ['checkinterval with fork=yes', 'fork=yes\ncheckinterval=4\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tcheckinterval=9\n'],
  ['global and virtual quiescent', 'quiescent=yes\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\nvirtual=10.0.0.1:81\n\treal=10.0.0.2:81 gate\n\tquiescent=no\n'],
  ['global fallback, virtual fallback, port from the virtual', 'fallback=10.9.9.9 masq\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\nvirtual=10.0.0.1:81\n\treal=10.0.0.2:81 gate\n\tfallback=10.9.9.8:8080\n'],
  ['port 53 is udp; protocol=tcp overrides', 'virtual=10.0.0.1:53\n\treal=10.0.0.2:53 gate\n\tchecktype=connect\nvirtual=10.0.0.1:54\n\treal=10.0.0.2:54 gate\n\tchecktype=connect\n\tprotocol=udp\n'],
  ['fwmark with port-less reals', 'virtual=7\n\treal=10.0.0.2 gate\n\treal=10.0.0.3 gate 5\n\tservice=http\n\tcheckport=80\n'],
  ['address range and weights', 'virtual=10.0.0.1:80\n\treal=10.0.0.2->10.0.0.4:80 masq 4\n'],
  ['gate real on another port', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:8080 gate\n\tchecktype=connect\n'],
  ['checktype=off', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=off\n\tfallback=10.9.9.9:80\n'],
  ['checktype=3, checkport', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=3\n\tcheckport=8080\n'],
  ['ping with checkcount', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=ping\n\tchecktimeout=2\n'],
  ['emailalertfrom in a virtual', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\temailalertfrom=a@b.c\n'],
  ['service name port and host name', 'virtual=localhost:http\n\treal=localhost:http gate\n'],
  ['netmask without dots', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tpersistent=60\n\tnetmask=24\n'],
  ['IPv6', 'virtual6=[2001:db8::10]:80\n\treal6=[2001:db8::2]:80 gate\n\tfallback6=[2001:db8::99]:80\n'],
  ['real in a virtual6', 'virtual6=[2001:db8::10]:80\n\treal=[2001:db8::2]:80 gate\n'],
  ['virtual with no port is a fwmark', 'virtual=10.0.0.1\n\treal=10.0.0.2 gate\n\tchecktype=on\n'],
  ['quoted scheduler and checktype', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tscheduler="rr"\n\tchecktype="connect"\n'],
  ['quoted yes/no', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tquiescent="yes"\n'],
  ['quoted fallback', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tfallback="10.9.9.9:80"\n'],
  ['quoted smtp', 'emailalert="a@b.c"\nsmtp="10.1.1.1"\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n'],
  ['unquoted logfile', 'logfile=/var/log/ld.log\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n'],
  ['external with a quoted checkcommand, ping over udp', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tchecktype=external\n\tcheckcommand="/bin/true"\n\tchecktimeout=4\nvirtual=10.0.0.1:5000\n\tprotocol=udp\n\treal=10.0.0.2:5000 gate\n\tchecktype=connect\n'],
  ['timeout=, connecttimeout=', 'timeout=5\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n'],
  ['a virtual line in a virtual', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tvirtual=10.0.0.1:81\n'],
  ['weight 0 and thresholds', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 masq 0 l:10 u:20\n\tchecktype=connect\n'],
  ['per-real request and receive', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate 2 "/x.html", "ok"\n\treal=10.0.0.3:80 gate\n'],
];

describe('ldirectord.cf: rsguard and ldirectord\'s own read_config agree', () => {
  const pl = harness();
  const files: Array<[string, string]> = [
    ...['full.cf', 'seed-fwm.cf', 'debian-example.cf', 'debian-all-services.cf', 'errors.cf'].map((f): [string, string] => [f, path.join(root, 'test/fixtures/ldirectord', f)]),
    ...CASES.map(([name, text], i): [string, string] => {
      const f = path.join(dir, `case-${i}.cf`);
      writeFileSync(f, text);
      return [name, f];
    }),
  ];
  for (const [name, file] of files) {
    it(name, { skip: pl ? false : `${LDIRECTORD} (with perl JSON::PP and Socket6) is not installed` }, async () => {
      const o = oracle(pl!, file);
      let model: Model | undefined;
      let refused: ConfigError | undefined;
      try {
        model = await loadConfig(file, 'ldirectord');
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        refused = err;
      }
      if (!o.ok) {
        assert.ok(refused, `ldirectord refuses it (line ${o.line}: ${o.message}); rsguard loaded it`);
        assert.ok(refused.issues.some((i) => i.line === o.line), `ldirectord names line ${o.line} (${o.message}); rsguard: ${refused.message}`);
        return;
      }
      assert.ok(model, `ldirectord accepts it; rsguard refused: ${refused?.message}`);
      assert.deepEqual(actual(model), expected(o.out));
    });
  }
});
