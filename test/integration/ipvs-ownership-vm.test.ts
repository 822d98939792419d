import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runVmScenario, vmReady } from '../helpers/ipvs-vm.js';

/**
 * What rsguard does with what it did not create, against a real kernel IPVS
 * in the QEMU guest (issue 23: real servers added by hand, adopted services;
 * issue 21: services a reload or a restart drops). One guest boot runs every
 * step in order (test/vm/ipvs-ownership-scenario.ts).
 */
describe('IPVS ownership against real kernel IPVS (QEMU guest)', () => {
  let out: string;
  let results: Record<string, { ok: boolean; detail: string }> = {};
  let stopped = '';
  before(async () => {
    assert.ok(vmReady(), 'the IPVS VM is not prepared: run bash test/vm/prepare-kernel.sh (or .ci/run)');
    out = mkdtempSync(path.join(tmpdir(), 'rsguard-ipvs-own-'));
    const { raw } = await runVmScenario(out, 'ipvs-ownership-scenario', 300);
    const doc = JSON.parse(raw) as { results: typeof results; daemonExit: string | null; scenarioError: string | null; logs: string };
    results = doc.results;
    if (doc.scenarioError) stopped += `\nthe scenario stopped: ${doc.scenarioError}`;
    if (doc.daemonExit) stopped += `\nrsguard exited before it was stopped (${doc.daemonExit})`;
    if (stopped || Object.values(results).some((r) => !r.ok)) stopped += `\nrsguard's last log lines:\n${doc.logs.split('\n').slice(-40).join('\n')}`;
  });
  after(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const step = (name: string) => {
    const r = results[name];
    assert.ok(r, `step ${name} did not run${stopped}`);
    assert.ok(r.ok, `step ${name} failed:\n${r.detail}${stopped}`);
  };
  it('a service there before rsguard keeps its scheduler, persistence and real servers (foreignServers: keep, the default)', () => {
    step('initial');
    step('adopted-settings-kept');
  });
  it('a real server added by hand to a service rsguard created survives three reconciles, is told once in the log, and is listed as foreign in /api/status and rsguard status', () => {
    step('hand-added-kept');
    step('status-foreign');
    step('status-cli-foreign');
    step('foreign-logged-once');
  });
  it('on SIGHUP a service rsguard created that the config dropped is deleted, and a dropped real server; the hand-added server and the adopted service stay', () => {
    step('reload-deletes-created');
    step('reload-keeps-foreign-and-adopted');
  });
  it('ownership survives a restart: a created service the new config lacks is deleted at start, a created one is edited, an adopted one is not', () => {
    step('stop-without-clean-stop');
    step('restart-deletes-created');
    step('restart-keeps-adopted');
  });
  it('foreignServers: remove, taken on a reload, deletes foreign real servers and sets an adopted service to the config; unconfigured services stay, and cleanStop (now on) deletes only the created one', () => {
    step('remove-mode');
    step('remove-mode-leaves-unconfigured');
    step('clean-stop');
  });
});
