import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../helpers/daemon-process.js';
import { runInVm, vmReady } from '../helpers/ipvs-vm.js';
/**
 * The IPVS actuator against a real kernel IPVS: this machine's kernel has no
 * IP_VS, so the scenario runs in a QEMU guest with Debian's kernel (prepared
 * by test/vm/prepare-kernel.sh, which .ci/run calls).
 */
describe('IPVS actuator against real kernel IPVS (QEMU guest)', () => {
    let out;
    let results;
    let latencies;
    before(async () => {
        assert.ok(vmReady(), 'the IPVS VM is not prepared: run bash test/vm/prepare-kernel.sh (or .ci/run)');
        out = mkdtempSync(path.join(tmpdir(), 'rsguard-ipvs-vm-'));
        const consoleText = await runInVm(out, `node ${path.join(ROOT, 'dist/test/vm/ipvs-scenario.js')} /mnt/out`);
        let raw;
        try {
            raw = readFileSync(path.join(out, 'results.json'), 'utf8');
        }
        catch {
            const guest = (() => {
                try {
                    return readFileSync(path.join(out, 'guest.log'), 'utf8');
                }
                catch {
                    return '(no guest log)';
                }
            })();
            throw new Error(`the guest wrote no results.\nguest log:\n${guest}\nconsole:\n${consoleText.slice(-3000)}`);
        }
        let batchMs;
        let singleMs;
        ({ results, latencies, batchMs, singleMs } = JSON.parse(raw));
        process.stdout.write(`# IPVS in QEMU (emulated): kill → table change over ${latencies.length} kills, ms: ${latencies.join(' ')}\n`);
        process.stdout.write(`# IPVS in QEMU (emulated): 200 changes in one ipvsadm -R ${batchMs.toFixed(0)} ms, one call each ${singleMs.toFixed(0)} ms\n`);
    });
    after(() => {
        if (out)
            rmSync(out, { recursive: true, force: true });
    });
    const step = (name) => {
        const r = results[name];
        assert.ok(r, `step ${name} did not run`);
        assert.ok(r.ok, `step ${name} failed; table was:\n${r.detail}`);
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
//# sourceMappingURL=ipvs-vm.test.js.map