import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../helpers/daemon-process.js';
import { rewriteTimers, withKeepalivedDelayLoop, withLdirectordInterval } from '../helpers/differential-rewrite.js';
import { checksPerPhase, judgeSecFor } from '../helpers/differential-rounds.js';
import { diffTables, serviceCount } from '../helpers/differential-table.js';
import { runInVm, vmReady } from '../helpers/ipvs-vm.js';
import { selfSignedCert } from '../helpers/tls-cert.js';
import type { Job, JobResult } from '../vm/differential-scenario.js';

/**
 * Differential test against the original tools, in the QEMU guest with a real
 * IPVS (test/vm/prepare-kernel.sh): keepalived 2.2.7 (checker only, -C) or
 * Debian's ldirectord runs a config and ipvsadm -Sn is read; `rsguard run` on
 * the same file, at the same time in another network namespace, is read too.
 * Both with every real server up, then after one goes away (its listeners
 * stop and its address leaves the dummy interface). The tables must be the
 * same rules: services, schedulers and flags, persistence, forwarding and
 * weights. One guest boot runs every config (test/vm/differential-scenario.ts).
 *
 * The configs are the repo's fixtures and the corpus of real files
 * (test/fixtures/wild/); their timers are shortened in the copy both tools
 * read (test/helpers/differential-rewrite.ts, listed per config in the output).
 * RSGUARD_DIFF_ONLY=<regex> runs only the configs whose name matches.
 */
const SOURCES: Array<{ dir: string; tool: Job['tool']; skip: RegExp }> = [
  { dir: 'test/fixtures/keepalived', tool: 'keepalived', skip: /^errors\.conf$/ },
  { dir: 'test/fixtures/wild/keepalived', tool: 'keepalived', skip: /^$/ },
  { dir: 'test/fixtures/ldirectord', tool: 'ldirectord', skip: /^errors\.cf$/ },
  { dir: 'test/fixtures/wild/ldirectord', tool: 'ldirectord', skip: /^$/ },
];

/**
 * Configs whose tables differ for a reason not yet fixed, each with why (a
 * finding for the importer's owner). The test then expects the difference to
 * be there still, so a fix shows up as a failure asking to take the entry out.
 */
const KNOWN_DIFFERENCES: Record<string, string> = {
};

/**
 * Differences rsguard means to have, each with why and where the docs say so.
 * Only the rules of the services named may differ (the rest of the table must
 * be the same), and they must differ: a change of rule shows up (unless the
 * original's side is a race it may win: race).
 */
const INTENDED_DIFFERENCES: Record<string, { why: string; services: string[]; race?: true; refusedBy?: 'keepalived' | 'ldirectord' }> = {
  'wild/ldirectord/009-heartbeat-script-masq.cf': {
    why: 'real=rs1 and rs2 are host names that do not resolve: ldirectord refuses the file at start ("could not resolve host"); rsguard starts, leaves those servers out with an error naming them and retries every 10 s, so a DNS outage at boot does not keep the director down (docs/operations.md, names that do not resolve)',
    services: [],
    refusedBy: 'ldirectord',
  },
  'wild/ldirectord/022-graylog2-external-perl.cf': {
    why: 'checkcommand /usr/local/bin/graylog2-ldirectord (external-perl) is not there: ldirectord takes the failure as down, rsguard holds the servers up (as for 004-wjesus-external.cf)',
    services: ['-u 192.168.100.100:12201'],
  },
  'wild/keepalived/004-sample-smtp-check.conf': {
    why: "SMTP_CHECK host{} blocks without their own connect_timeout: keepalived 2.2.7's smtp_host_handler allocates the host's connection zeroed, so it reads with a 0 s timeout and the check passes only when the greeting is already there (its log: \"Read timeout\" in the same second); rsguard gives the host the SMTP_CHECK's connect_timeout and warns at import (docs/mapping.md, SMTP_CHECK). keepalived's side is a race: it may also win it, so the tables may match",
    services: ['-t 192.168.200.100:25'],
    race: true,
  },
  'wild/ldirectord/004-wjesus-external.cf': {
    why: 'checkcommand /opt/check.sh is not there: ldirectord runs it, gets a failure and takes the real servers out; for rsguard a check that cannot run (spawn ENOENT) is not a failed server, and it holds their state (docs/operations.md "A check that cannot run is not a failed server", docs/mapping.md checkcommand)',
    services: ['-t 192.168.1.0:22', '-t 192.168.2.0:22'],
  },
  'wild/ldirectord/006-wjesus-radius.cf': {
    why: 'checkcommand /usr/local/bin/check_radius.sh and check_udp.sh are not there: ldirectord takes the failure as down, rsguard holds the servers up (as for 004-wjesus-external.cf)',
    services: ['-u 192.168.202.50:1812', '-u 192.168.202.50:1813'],
  },
  'wild/ldirectord/003-grimli-production.cf': {
    why: "the same real servers (10.0.240.8:53, 10.0.240.9:53) in two virtuals on one address (10.0.16.1:53, TCP and UDP), down at start (the harness answers DNS over UDP only): ldirectord's ld_start keys the servers it puts in and at once takes out (quiescent: weight 0) by address and port alone, so only the last virtual naming them (UDP) gets them and the TCP virtual has no member until its check passes; rsguard keeps a quiescent member at weight 0 in every virtual that names it",
    services: ['-t 10.0.16.1:53'],
  },
  'ldirectord/debian-all-services.cf': {
    why: "the imap virtual's real server 127.0.0.1:143 is also its fallback, one IPVS entry: ldirectord puts the real server in and at once takes the fallback out (fallback_off), which deletes that entry, and it never puts the real server back while it stays up; rsguard keeps it in (docs/mapping.md, fallback)",
    services: ['-t 192.168.6.240:143'],
  },
  'ldirectord/full.cf': {
    why: 'checkcommand /usr/local/bin/check_app is not there (as for 004-wjesus-external.cf): ldirectord has the real server at weight 0 (quiescent) and the fallback in, rsguard holds it up; and the web virtual checks with httpmethod=HEAD and a receive, which ldirectord matches against the empty body of a HEAD reply, so it has every real server down and the fallback in, where rsguard checks the status alone and warns (docs/mapping.md, http)',
    services: ['-t 192.168.6.244:9000', '-t 192.168.6.240:80'],
  },
};

/**
 * What `npm test` (and so CI) compares: the seed configs, Debian's ldirectord
 * examples, and the files that showed a difference rsguard has fixed (the UDP
 * probe crash, DR port churn, https chain verification, keepalived's tolerated
 * errors). Every config of the corpus, about an hour under emulation, runs
 * with RSGUARD_DIFF_ALL=1 (`npm run test:differential`).
 */
const CI_SUBSET = 'keepalived/seed-http-get|ldirectord/seed-fwm|ldirectord/debian-example|006-sample-udp|028-dpvs|033-heartzhang|008-kubernetes';

/**
 * The subset's files longest first within each tool (seconds each, 3 at a
 * time, in name order, 2026-12-07: 148, 98, 96, 64; 181, 136, 125), meant
 * to end the three slots together. Measured, the file took 384 s and 368 s
 * in this order against 355 s once in name order: the guest is CPU-bound
 * (1.6 to 1.9 cores), so the order barely moves the total.
 */
const CI_ORDER = [
  'wild/keepalived/006-sample-udp-check.conf',
  'keepalived/seed-http-get.conf',
  'wild/keepalived/028-dpvs-fnat-tcp-check.conf',
  'wild/keepalived/033-heartzhang-tcp-check.conf',
  'wild/ldirectord/008-kubernetes-apiserver.cf',
  'ldirectord/seed-fwm.cf',
  'ldirectord/debian-example.cf',
];

/** Perl modules ldirectord loads for some checks that its Debian package does not depend on. */
const LDIRECTORD_PERL = [
  { module: 'Net::INET6Glue::INET_is_INET6', pkg: 'libnet-inet6glue-perl' },
  { module: 'DBD::mysql', pkg: 'libdbd-mysql-perl' },
  { module: 'DBD::Pg', pkg: 'libdbd-pg-perl' },
];

/** A file with an IPVS part (virtual_server / virtual=) that does not pull in other files. */
function hasIpvs(tool: Job['tool'], text: string): boolean {
  if (tool === 'keepalived') return /^\s*virtual_server\s/m.test(text) && !/^\s*include\s/m.test(text);
  return /^\s*virtual\s*=/m.test(text);
}

function collect(): Array<Job & { source: string; rewrites: string[]; text: string }> {
  const only = process.env.RSGUARD_DIFF_ONLY ? new RegExp(process.env.RSGUARD_DIFF_ONLY) : process.env.RSGUARD_DIFF_ALL ? null : new RegExp(CI_SUBSET);
  const out: Array<Job & { source: string; rewrites: string[]; text: string }> = [];
  for (const s of SOURCES) {
    const dir = path.join(ROOT, s.dir);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (s.skip.test(f) || !/\.(conf|cf)$/.test(f)) continue;
      const source = path.join(s.dir, f);
      const text = readFileSync(path.join(dir, f), 'utf8');
      if (!hasIpvs(s.tool, text)) continue;
      const name = `${s.dir.replace(/^test\/fixtures\//, '')}/${f}`;
      if (only && !only.test(name)) continue;
      const base = rewriteTimers(s.tool, text);
      const r = s.tool === 'keepalived' ? withKeepalivedDelayLoop(base) : withLdirectordInterval(base);
      // The copy keeps the name's extension (ldirectord and rsguard sniff it) and is unique per config.
      out.push({ name, tool: s.tool, file: `cases/${out.length}-${f}`, source, rewrites: r.rewrites, text: r.text });
    }
  }
  // One tool after the other (a slot's rsguard restarts only when the tool changes), the biggest file last; the
  // subset's files in CI_ORDER.
  const big = (c: (typeof out)[number]) => (c.text.match(/real(_server\s|\s*=)/g) ?? []).length > 50;
  const ordered = [...out.filter((c) => c.tool === 'keepalived' && !big(c)), ...out.filter((c) => c.tool === 'ldirectord' && !big(c)), ...out.filter(big)];
  const rank = (c: (typeof out)[number]) => (CI_ORDER.includes(c.name) ? CI_ORDER.indexOf(c.name) : CI_ORDER.length);
  return !process.env.RSGUARD_DIFF_ONLY && !process.env.RSGUARD_DIFF_ALL ? ordered.sort((a, b) => rank(a) - rank(b)) : ordered;
}

/** Who refuses the file and why, as the table and the failures say it. */
function refusalText(tool: Job['tool'], r: JobResult): string {
  const o = r.orig.refused ? `${tool} refuses it (${r.orig.refused.slice(0, 200)})` : `${tool} runs it`;
  const g = r.rsguard.refused ? `rsguard refuses it (${r.rsguard.refused.replace(/^rsguard refuses the file: /, '').slice(0, 200)})` : 'rsguard runs it';
  return r.orig.refused && r.rsguard.refused ? `both refuse the file: ${o}; ${g}` : `${o}, ${g}`;
}

const fmt = (t: string | null) => (t === null ? '(not read)' : t.trim() === '' ? '(empty table)' : t.trim());

// Bounds: each phase waits for the table to stay the same stableSec, at most maxPhaseSec; the guest at most totalSec.
// One config alone still gets its two phases at their bounds (a big one's first phase can take startSec).
function limitsFor(cases: Array<{ tool: Job['tool']; text: string }>) {
  const phases = { slots: 3, stableSec: 8, startSec: 240, changeSec: 60, maxPhaseSec: 360 };
  // Measured 2026-12-07: 35 configs in the hour under emulation, about 100 s each over the 3 slots (the whole corpus was
  // cut off at a 3600 s cap with 37 not run): 330 s per 3. A big ldirectord file's two phases may take longer each
  // (judgeSecFor: its checks run one after the other) and hold a slot that long.
  const big = cases.reduce((s, c) => s + 2 * (judgeSecFor(phases.startSec, checksPerPhase(c.tool, c.text)) - phases.startSec), 0);
  const base = Math.max(Math.ceil(cases.length / 3) * 330, phases.startSec + phases.changeSec + 4 * phases.stableSec);
  return { ...phases, totalSec: Math.min(9000 + big, 120 + base + big) };
}

describe('keepalived and ldirectord against rsguard on the same config (real IPVS, QEMU guest)', () => {
  const cases = collect();
  const limits = limitsFor(cases);
  let out: string;
  const byName = new Map<string, JobResult>();
  let stopped = '';
  before(async () => {
    assert.ok(vmReady(), 'the IPVS VM is not prepared: run bash test/vm/prepare-kernel.sh (or .ci/run)');
    // The guest runs this machine's / (test/vm/prepare-kernel.sh): ldirectord's checks need what its users install
    // beside it (IPv6 HTTP checks Net::INET6Glue, the mysql and pgsql checks their DBD drivers; not its dependencies).
    if (cases.some((c) => c.tool === 'ldirectord')) {
      const perl = spawnSync('perl', ['-e', `for (qw(${LDIRECTORD_PERL.map((m) => m.module).join(' ')})) { eval "require $_" or print "$_\n" }`], { encoding: 'utf8' });
      const missing = LDIRECTORD_PERL.filter((m) => perl.stdout.split('\n').includes(m.module));
      assert.deepEqual(missing, [], `perl modules ldirectord's checks need are missing (.ci/run installs them): ${missing.map((m) => `${m.module} (${m.pkg})`).join(', ')}`);
    }
    out = mkdtempSync(path.join(tmpdir(), 'rsguard-diff-vm-'));
    mkdirSync(path.join(out, 'cases'));
    for (const c of cases) writeFileSync(path.join(out, c.file), c.text);
    writeFileSync(path.join(out, 'jobs.json'), JSON.stringify({ jobs: cases.map(({ name, tool, file }) => ({ name, tool, file })), tls: selfSignedCert(['rs.test', '127.0.0.1']), limits }));
    const consoleText = await runInVm(out, `node ${path.join(ROOT, 'dist/test/vm/differential-scenario.js')} /mnt/out`, limits.totalSec + 180);
    const readOut = (name: string) => (existsSync(path.join(out, name)) ? readFileSync(path.join(out, name), 'utf8') : undefined);
    const raw = readOut('results.json');
    if (raw === undefined) throw new Error(`the guest wrote no results.\nguest log:\n${readOut('guest.log') ?? '(no guest log)'}\nconsole:\n${consoleText.slice(-3000)}`);
    const { results, scenarioError } = JSON.parse(raw) as { results: JobResult[]; scenarioError: string | null };
    for (const r of results) byName.set(r.name, r);
    if (scenarioError) stopped += `\nthe scenario stopped: ${scenarioError}`;
    if (results.length < cases.length) stopped += `\nthe guest ran ${results.length} of ${cases.length} configs; guest log:\n${(readOut('guest.log') ?? '').slice(-2000)}\nconsole:\n${consoleText.slice(-2000)}`;
    // The table the lead reads: one row per config and state.
    const rows = ['config | tool | services (orig/rsguard) | up equal | down equal | first difference'];
    for (const c of cases) {
      const r = byName.get(c.name);
      if (!r) {
        rows.push(`${c.name} | ${c.tool} | - | - | - | not run`);
        continue;
      }
      if (r.orig.refused || r.rsguard.refused) {
        rows.push(`${c.name} | ${c.tool} | - | - | - | ${refusalText(c.tool, r)}`);
        continue;
      }
      const up = diffTables(r.orig.up.table ?? '', r.rsguard.up.table ?? '', c.tool);
      const down = diffTables(r.orig.down.table ?? '', r.rsguard.down.table ?? '', c.tool);
      rows.push(`${c.name} | ${c.tool} | ${serviceCount(r.orig.up.table)}/${serviceCount(r.rsguard.up.table)} | ${up.equal ? 'yes' : 'no'} | ${down.equal ? 'yes' : 'no'} | ${r.rsguard.exit ? `rsguard exited (${r.rsguard.exit}); ` : ''}${up.first || (down.first ? `(down ${r.victim}) ${down.first}` : '')}`);
    }
    process.stdout.write(`# ${rows.join('\n# ')}\n`);
    // The guest runs every config in one boot: its own bound (limits.totalSec and the VM's 180 s beyond it), not the
    // suite's per-test one. A fixed 40 min cut the whole corpus (an hour) off before the guest had written its results.
  }, { timeout: (limits.totalSec + 300) * 1000 });
  after(() => {
    if (out && !process.env.RSGUARD_DIFF_KEEP) rmSync(out, { recursive: true, force: true });
    else if (out) process.stdout.write(`# kept ${out}\n`);
  });

  it('runs at least 20 keepalived configs and the ldirectord fixtures', { skip: process.env.RSGUARD_DIFF_ALL && !process.env.RSGUARD_DIFF_ONLY ? false : 'the whole corpus runs with RSGUARD_DIFF_ALL=1 (npm run test:differential)' }, () => {
    assert.ok(cases.filter((c) => c.tool === 'keepalived').length >= 20, `only ${cases.filter((c) => c.tool === 'keepalived').length} keepalived configs with a virtual_server`);
    assert.ok(cases.some((c) => c.tool === 'ldirectord'));
  });

  for (const c of cases) {
    it(`${c.name}: the same IPVS table as ${c.tool}, all up and with one down`, () => {
      const r = byName.get(c.name);
      assert.ok(r, `${c.name} did not run${stopped}`);
      const context = () =>
        [
          `source ${c.source}; timers rewritten: ${c.rewrites.join(', ') || 'none'}`,
          `listeners: ${r.listeners.join(', ')}; down: ${r.victim ?? '-'}`,
          r.setupErrors.length ? `setup: ${r.setupErrors.join('; ')}` : '',
          r.error ? `error: ${r.error}` : '',
          `${c.tool} up [${r.orig.up.note}]:\n${fmt(r.orig.up.table)}\nrsguard up [${r.rsguard.up.note}]:\n${fmt(r.rsguard.up.table)}`,
          `${c.tool} down [${r.orig.down.note}]:\n${fmt(r.orig.down.table)}\nrsguard down [${r.rsguard.down.note}]:\n${fmt(r.rsguard.down.table)}`,
          `${c.tool} exit ${r.orig.exit ?? '(stopped)'}, log:\n${r.orig.log}`,
          `rsguard exit ${r.rsguard.exit ?? '(stopped)'}, log:\n${r.rsguard.log.split('\n').slice(-25).join('\n')}`,
        ]
          .filter(Boolean)
          .join('\n');
      const refusedBy = INTENDED_DIFFERENCES[c.name]?.refusedBy;
      if (refusedBy) {
        // One side refuses by design: that side, and only it.
        assert.ok(r.orig.refused && !r.rsguard.refused, `${c.name}: the intended refusal by ${refusedBy} is gone: ${refusalText(c.tool, r)}\n${context()}`);
        return;
      }
      // A file both tools refuse is agreement (rsguard names the line and why, docs/mapping.md); one refusing it is not.
      if (r.orig.refused || r.rsguard.refused) {
        // A known difference that is a refusal on one side: still there, as listed.
        if (KNOWN_DIFFERENCES[c.name] && !(r.orig.refused && r.rsguard.refused)) return;
        assert.ok(r.orig.refused && r.rsguard.refused, `${c.name}: ${refusalText(c.tool, r)}\n${context()}`);
        return;
      }
      for (const s of [r.orig.up, r.orig.down, r.rsguard.up, r.rsguard.down]) assert.ok(!/did not settle|ran out of time|not reached/.test(s.note), `a step did not finish: ${s.note}\n${context()}`);
      const up = diffTables(r.orig.up.table ?? '', r.rsguard.up.table ?? '', c.tool);
      const down = diffTables(r.orig.down.table ?? '', r.rsguard.down.table ?? '', c.tool);
      // rsguard is stopped by the scenario only after the last config of its slot: an exit here is a crash.
      const crash = r.rsguard.exit ? `rsguard exited (${r.rsguard.exit})` : '';
      const first = crash || (up.first ? `all up: ${up.first}` : down.first ? `${r.victim} down: ${down.first}` : '');
      const known = KNOWN_DIFFERENCES[c.name];
      const intended = INTENDED_DIFFERENCES[c.name];
      if (known) assert.ok(first, `${c.name} now matches ${c.tool}: take it out of KNOWN_DIFFERENCES (${known})`);
      else if (intended && !crash) {
        // Only the rules of the services named differ, and they do.
        const lines = [up, down].flatMap((d) => [...d.onlyOrig, ...d.onlyRsguard]);
        const outside = lines.filter((l) => !intended.services.some((svc) => l.includes(` ${svc} `) || l.endsWith(` ${svc}`)));
        assert.deepEqual(outside, [], `${c.name} differs from ${c.tool} outside the intended difference (${intended.services.join(', ')}): ${outside[0]}\n${context()}`);
        if (!intended.race) assert.ok(first, `${c.name} now matches ${c.tool}: the intended difference is gone (${intended.why})`);
      } else assert.equal(first, '', `${c.name} differs from ${c.tool}: ${first}\n${context()}`);
    });
  }
});
