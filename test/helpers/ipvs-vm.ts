import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { ROOT } from './daemon-process.js';

/**
 * Runs a script inside a QEMU guest with a real Linux IPVS (see
 * test/vm/prepare-kernel.sh). The guest sees this machine's / read-only and
 * `outDir` read-write at /mnt/out; it has no network device, so all its
 * traffic stays inside it. Returns the console output.
 */
export const VM_DIR = path.join(ROOT, '.cache/ipvs-vm');

export function vmReady(): boolean {
  return existsSync(path.join(VM_DIR, 'ready'));
}

export async function runInVm(outDir: string, guestCommand: string, timeoutSec = 240): Promise<string> {
  const kver = readFileSync(path.join(VM_DIR, 'ready'), 'utf8').trim();
  const init = path.join(outDir, 'init.sh');
  writeFileSync(
    init,
    `#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TMPDIR=/run HOME=/run
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /mnt
mkdir -p /mnt/out; mount -t 9p -o trans=virtio,version=9p2000.L out /mnt/out
# The kernel loads scheduler modules through this: point it at the unpacked Debian modules.
printf '#!/bin/sh\\nexec /sbin/modprobe -d ${VM_DIR}/modules "$@"\\n' > /run/modprobe; chmod +x /run/modprobe
echo /run/modprobe > /proc/sys/kernel/modprobe
/run/modprobe ip_vs > /mnt/out/modprobe.log 2>&1
ip link set lo up
${guestCommand} > /mnt/out/guest.log 2>&1
echo $? > /mnt/out/exit
poweroff -f
`,
  );
  chmodSync(init, 0o755);
  const args = [
    '-accel', 'tcg,thread=multi', '-cpu', 'max', '-m', '1024', '-smp', '2', '-nographic', '-no-reboot', '-nic', 'none',
    '-kernel', path.join(VM_DIR, 'vmlinuz'), '-initrd', path.join(VM_DIR, 'initrd.gz'),
    '-append', `console=ttyS0 quiet panic=-1 rsg_init=${init} kver=${kver}`,
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${outDir},mount_tag=out,security_model=none`,
  ];
  return new Promise((resolve, reject) => {
    const vm = spawn('timeout', [String(timeoutSec), 'qemu-system-x86_64', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let console = '';
    vm.stdout.on('data', (d: Buffer) => (console += d.toString()));
    vm.stderr.on('data', (d: Buffer) => (console += d.toString()));
    vm.once('error', reject);
    vm.once('close', () => resolve(console));
  });
}

/**
 * Boots the guest on a scenario (`dist/test/vm/NAME.js`, given `/mnt/out`)
 * that writes `results.json` from its first step on, and returns that file
 * and the console. A guest that never reached the scenario (QEMU could not
 * start, the boot failed) is the test machine's trouble, not rsguard's: it
 * is tried once more, and the first try's console is printed. A scenario
 * that ran is never retried.
 */
export async function runVmScenario(out: string, scenario: string, timeoutSec?: number): Promise<{ raw: string; console: string }> {
  const readOut = (name: string) => {
    try {
      return readFileSync(path.join(out, name), 'utf8');
    } catch {
      return undefined;
    }
  };
  let consoleText = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    consoleText = await runInVm(out, `node ${path.join(ROOT, 'dist/test/vm', `${scenario}.js`)} /mnt/out`, timeoutSec);
    const raw = readOut('results.json');
    if (raw !== undefined) return { raw, console: consoleText };
    const text = `IPVS guest, try ${attempt}: no results\nguest log:\n${readOut('guest.log') ?? '(none)'}\nconsole:\n${consoleText.slice(-2000)}`;
    process.stdout.write(`# ${text.replace(/\n/g, '\n# ')}\n`);
  }
  throw new Error(`the guest wrote no results.\nguest log:\n${readOut('guest.log') ?? '(no guest log)'}\nconsole:\n${consoleText.slice(-3000)}`);
}

export type StepResults = Record<string, { ok: boolean; detail: string }>;

/**
 * Inside a describe(): boots the guest once on a scenario before its tests
 * and returns `step(name)`, which fails with the step's detail, why the
 * scenario stopped and rsguard's last log lines. `figures` names steps whose
 * detail is printed in the TAP output even when they pass.
 */
export function useVmScenario(scenario: string, timeoutSec: number, figures: (results: StepResults) => string[] = () => []): (name: string) => void {
  let out: string | undefined;
  let results: StepResults = {};
  let stopped = '';
  before(async () => {
    assert.ok(vmReady(), 'the IPVS VM is not prepared: run bash test/vm/prepare-kernel.sh (or .ci/run)');
    out = mkdtempSync(path.join(tmpdir(), `rsguard-${scenario}-`));
    const { raw } = await runVmScenario(out, scenario, timeoutSec);
    const doc = JSON.parse(raw) as { results: StepResults; daemonExit: string | null; scenarioError: string | null; logs: string };
    results = doc.results;
    if (doc.scenarioError) stopped += `\nthe scenario stopped: ${doc.scenarioError}`;
    if (doc.daemonExit) stopped += `\nrsguard exited before it was stopped (${doc.daemonExit})`;
    if (stopped || Object.values(results).some((r) => !r.ok)) stopped += `\nrsguard's last log lines:\n${doc.logs.split('\n').slice(-40).join('\n')}`;
    for (const k of figures(results)) if (results[k]) process.stdout.write(`# ${k}: ${results[k]!.detail.replace(/\n/g, '\n#   ')}\n`);
  });
  after(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });
  return (name) => {
    const r = results[name];
    assert.ok(r, `step ${name} did not run${stopped}`);
    assert.ok(r.ok, `step ${name} failed:\n${r.detail}${stopped}`);
  };
}
