import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runVmScenario, vmReady } from '../helpers/ipvs-vm.js';

/**
 * The IPVS actuator against a real kernel IPVS: this machine's kernel has no
 * IP_VS, so the scenario runs in a QEMU guest with Debian's kernel (prepared
 * by test/vm/prepare-kernel.sh, which .ci/run calls).
 */
describe('IPVS actuator against real kernel IPVS (QEMU guest)', () => {
  let out: string;
  let results: Record<string, { ok: boolean; detail: string }>;
  let latencies: number[];
  let stopped = '';
  before(async () => {
    assert.ok(vmReady(), 'the IPVS VM is not prepared: run bash test/vm/prepare-kernel.sh (or .ci/run)');
    out = mkdtempSync(path.join(tmpdir(), 'rsguard-ipvs-vm-'));
    const { raw, console: consoleText } = await runVmScenario(out, 'ipvs-scenario');
    let batchMs: number;
    let singleMs: number;
    let daemonExit: string | null;
    let scenarioError: string | null;
    let logs: string;
    ({ results, latencies, batchMs, singleMs, daemonExit, scenarioError, logs } = JSON.parse(raw) as {
      results: typeof results;
      latencies: number[];
      batchMs: number;
      singleMs: number;
      daemonExit: string | null;
      scenarioError: string | null;
      logs: string;
    });
    // The scenario saves after every step; a step that did not run is explained by what stopped it.
    if (scenarioError) stopped += `\nthe scenario stopped: ${scenarioError}`;
    if (daemonExit) stopped += `\nrsguard exited before it was stopped (${daemonExit}); its last log lines:\n${logs.split('\n').slice(-30).join('\n')}`;
    if (!results['clean-stop'] || daemonExit) stopped += `\nconsole:\n${consoleText.slice(-3000)}`;
    process.stdout.write(`# IPVS in QEMU (emulated): kill → table change over ${latencies.length} kills, ms: ${latencies.join(' ')}\n`);
    process.stdout.write(`# IPVS in QEMU (emulated): 200 changes in one ipvsadm -R ${batchMs.toFixed(0)} ms, one call each ${singleMs.toFixed(0)} ms\n`);
  });
  after(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const step = (name: string) => {
    const r = results[name];
    assert.ok(r, `step ${name} did not run${stopped}`);
    assert.ok(r.ok, `step ${name} failed; table was:\n${r.detail}${stopped}`);
  };
  it('creates the owned services with scheduler, persistence, forwarding, weights and IPv6', () => step('initial'));
  it('fwmark and port-0 (every port, persistent) services with port-less real servers are created', () => step('fwmark-and-port0'));
  it('a dead real server is removed, or set to weight 0 where quiescent', () => step('down-removed-or-quiesced'));
  it('a dead port-less real server leaves its fwmark and port-0 services', () => step('fwmark-and-port0-down'));
  it('all dead: the sorry server comes in', () => step('sorry-in'));
  it('one back: the sorry server leaves', () => step('sorry-out'));
  it('an entry deleted by hand is restored', () => step('hand-delete-restored'));
  it('20 kills each reach the kernel table', () => {
    step('both-back');
    assert.equal(latencies.length, 20);
    assert.deepEqual(Object.keys(results).filter((k) => /^(kill|back)-/.test(k)), []);
  });
  it('a drain sets weight 0 and keeps the server; its ActiveConn is read from the kernel; undrain restores it', () => {
    step('drained');
    step('drain-connections');
    step('undrained');
  });
  it('a virtual service rsguard does not own is never touched', () => step('not-owned-untouched'));
  it('records the services it created (not the one it found) in its state file', () => step('ownership-recorded'));
  it('on stop it removes what it created (cleanStop) and only that: a configured service that was there before stays', () => {
    step('clean-stop');
    step('ownership-cleared');
  });
});
