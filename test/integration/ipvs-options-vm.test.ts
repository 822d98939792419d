import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runVmScenario, vmReady } from '../helpers/ipvs-vm.js';

/**
 * Issue 26 items 3 and 4 against a real kernel IPVS in the QEMU guest, in
 * one boot (test/vm/ipvs-options-scenario.ts): the IPVS options keepalived
 * applies, compared with keepalived 2.2.7 on the same keepalived.conf, and
 * the connection sync daemon following a VRRP instance.
 */
describe('IPVS options and the sync daemon against real kernel IPVS (QEMU guest)', () => {
  let out: string;
  let results: Record<string, { ok: boolean; detail: string }> = {};
  let stopped = '';
  before(async () => {
    assert.ok(vmReady(), 'the IPVS VM is not prepared: run bash test/vm/prepare-kernel.sh (or .ci/run)');
    out = mkdtempSync(path.join(tmpdir(), 'rsguard-ipvs-opts-'));
    const { raw } = await runVmScenario(out, 'ipvs-options-scenario', 300);
    const doc = JSON.parse(raw) as { results: typeof results; daemonExit: string | null; scenarioError: string | null; logs: string };
    results = doc.results;
    if (doc.scenarioError) stopped += `\nthe scenario stopped: ${doc.scenarioError}`;
    if (doc.daemonExit) stopped += `\nrsguard exited before it was stopped (${doc.daemonExit})`;
    if (stopped || Object.values(results).some((r) => !r.ok)) stopped += `\nrsguard's last log lines:\n${doc.logs.split('\n').slice(-40).join('\n')}`;
    // The figures behind the verdicts, in the TAP output: the compared tables, what the hand edits showed, the transition times.
    for (const k of ['differential-saved', 'differential-timeouts', 'drift-seen', ...Object.keys(results).filter((k) => /^syncd-\d-[A-Z]+$/.test(k))]) {
      if (results[k]) process.stdout.write(`# ${k}: ${results[k]!.detail.replace(/\n/g, '\n#   ')}\n`);
    }
  });
  after(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });
  const step = (name: string) => {
    const r = results[name];
    assert.ok(r, `step ${name} did not run${stopped}`);
    assert.ok(r.ok, `step ${name} failed:\n${r.detail}${stopped}`);
  };

  it('keepalived 2.2.7 and rsguard on one keepalived.conf leave the same -Sn table, thresholds and timeouts (ops, sh/mh flags in keepalived order, flag-3, ops on TCP reset, uthreshold/lthreshold, lvs_timeouts)', () => {
    step('keepalived-applied');
    step('rsguard-applied-keepalived-conf');
    step('differential-saved');
    step('differential-thresholds');
    step('differential-timeouts');
    step('no-edit-churn');
  });
  it('from YAML: -b, -o, -x/-y and --set are applied and read back with ipvsadm -Sn, -Ln --thresholds and -L --timeout', () => {
    step('options-applied');
    step('thresholds-applied');
    step('timeouts-applied');
  });
  it('an adopted service keeps its own flags and -o (foreignServers keep), shown as left as found in /api/status', () => {
    step('adopted-options-left');
    step('adopted-options-in-status');
  });
  it('flags, -o, a threshold and a timeout changed by hand are put back by the repair; a reload that drops a flag edits the service', () => {
    step('drift-seen');
    step('drift-repaired');
    step('reload-flag-change');
  });
  it('the sync daemon runs backup before any transition, master on MASTER, backup on BACKUP and FAULT, master again, as keepalived reports them through rsguard notify and notify_fifo; shown in /api/status', () => {
    step('syncd-initial-backup');
    for (const [i, s] of ['MASTER', 'BACKUP', 'MASTER', 'FAULT', 'MASTER'].entries()) {
      step(`syncd-${i}-${s}`);
      step(`syncd-${i}-${s}-status`);
    }
  });
  it('a sync daemon stopped by hand is started again; rsguard stopping stops it, and cleanStop leaves the adopted service', () => {
    step('syncd-repaired');
    step('syncd-stopped-with-rsguard');
    step('clean-stop-leaves-adopted');
  });
});
