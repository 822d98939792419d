import { describe, it } from 'node:test';
import { useVmScenario } from '../helpers/ipvs-vm.js';

/**
 * Issue 26 items 3 and 4 against a real kernel IPVS in the QEMU guest, in
 * one boot (test/vm/ipvs-options-scenario.ts): the IPVS options keepalived
 * applies, compared with keepalived 2.2.7 on the same keepalived.conf, and
 * the connection sync daemon following a VRRP instance.
 */
describe('IPVS options and the sync daemon against real kernel IPVS (QEMU guest)', () => {
  // The figures behind the verdicts, in the TAP output: the compared tables, what the hand edits showed, the transition times.
  const step = useVmScenario('ipvs-options-scenario', 300, (results) => ['differential-saved', 'differential-timeouts', 'drift-seen', ...Object.keys(results).filter((k) => /^syncd-\d-[A-Z]+$/.test(k))]);

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
  it('a sync daemon stopped by hand is started again; rsguard stopping leaves it running and a restart on the master keeps it master; cleanStop leaves the adopted service', () => {
    step('syncd-repaired');
    step('syncd-left-running-by-stop');
    step('clean-stop-leaves-adopted');
    step('syncd-restart-status');
    step('syncd-restart-keeps-master');
  });
});
