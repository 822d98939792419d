import { readFileSync } from 'node:fs';
import { runCommand } from '../process/run-command.js';
import { readOnce } from './read-once.js';
import { z } from 'zod';
import { defineProbe } from './kind.js';
import { checkError, fail, localFaultOf, pass, snippet } from './outcome.js';
import type { ProbeTarget } from './types.js';

/** Output kept for the detail; the rest is read and dropped so a chatty script cannot block on a full pipe. */
const MAX_OUTPUT = 4096;

export const execSpec = z
  .object({
    /**
     * argv, never a shell string. `{rip} {rport} {vip} {vport}` are replaced, and
     * with no placeholders at all the ldirectord external order is appended:
     * `vip vport rip rport`.
     */
    command: z.array(z.string().min(1)).min(1),
    /** Append `vip vport rip rport` when the command has no placeholder (ldirectord); keepalived MISC_CHECK passes nothing. */
    appendTarget: z.boolean().default(true),
    env: z.record(z.string(), z.string()).default({}),
    /** keepalived misc_dynamic: exit 0 up, 1 down, 2-255 up with weight = code - 2. */
    dynamicWeight: z.boolean().default(false),
    /** Run the command as this user (keepalived MISC_CHECK `user`); rsguard must run as root for it. */
    user: z.string().min(1).optional(),
  })
  .strict();

export type ExecSpec = z.output<typeof execSpec>;

/** getpwnam from /etc/passwd (Node has none), read once per user name until the next reload (read-once.ts); null when there is no such user. */
export const lookupUser = readOnce((name): { uid: number; gid: number } | null => {
  let hit: { uid: number; gid: number } | null = null;
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) hit = { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return hit;
});

const PLACEHOLDER = /\{(rip|rport|vip|vport)\}/g;

export function buildArgv(command: readonly string[], target: ProbeTarget, appendTarget = true): string[] {
  const values: Record<string, string> = {
    rip: target.host,
    rport: String(target.port),
    vip: target.vip ?? '',
    vport: target.vport === undefined ? '' : String(target.vport),
  };
  const hasPlaceholder = command.some((arg) => arg.match(PLACEHOLDER));
  const argv = command.map((arg) => arg.replace(PLACEHOLDER, (_, name: string) => values[name] ?? ''));
  return hasPlaceholder || !appendTarget ? argv : [...argv, values.vip!, values.vport!, values.rip!, values.rport!];
}

export const execProbe = defineProbe({
  kind: 'exec',
  spec: execSpec,
  usesVirtual: true,
  run: async (target, spec, { signal, timeoutMs }) => {
    const startedAt = performance.now();
    const argv = buildArgv(spec.command, target, spec.appendTarget);
    const account = spec.user === undefined ? undefined : lookupUser(spec.user);
    // An unknown user is this host's configuration, not the server's health.
    if (account === null) return checkError(startedAt, 'spawn', `cannot run ${argv[0]}: no user ${JSON.stringify(spec.user)} in /etc/passwd`);
    // Its own process group, so a timeout kills the script's children too (keepalived misc_timeout does the same).
    const r = await runCommand(argv, {
      // The probe's signal is its deadline; the runner's own timer is only a backstop.
      timeoutMs: timeoutMs + 1000,
      signal,
      maxOutput: MAX_OUTPUT,
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
      env: { ...process.env, ...spec.env, RSGUARD_RIP: target.host, RSGUARD_RPORT: String(target.port), RSGUARD_VIP: target.vip ?? '', RSGUARD_VPORT: String(target.vport ?? '') },
    });
    switch (r.kind) {
      case 'spawn-error': {
        // spawn fails only for reasons of this host (no such file, not executable, no fork): never the server's fault.
        // EACCES here is the script's mode, not a socket permission; descriptors and memory keep their own reason.
        const why = r.code === 'EACCES' ? 'spawn' : (localFaultOf(r.code) ?? 'spawn');
        return checkError(startedAt, why, `cannot run ${argv[0]}: ${r.message}`);
      }
      case 'aborted':
      case 'timeout':
        return fail(startedAt, 'timeout', 'command timed out');
      case 'signalled':
      case 'exited': {
        const output = `${r.stdout}${r.stderr}`.trim();
        const tail = output ? `: ${snippet(output, 80)}` : '';
        if (r.kind === 'exited' && r.code === 0) return pass(startedAt, `exit 0${tail}`);
        if (r.kind === 'exited' && spec.dynamicWeight && r.code >= 2 && r.code <= 255) return { ...pass(startedAt, `exit ${r.code}: weight ${r.code - 2}${tail}`), weight: r.code - 2 };
        return fail(startedAt, 'exit', `${r.kind === 'signalled' ? `killed by ${r.signal}` : `exit ${r.code}`}${tail}`);
      }
    }
  },
});
