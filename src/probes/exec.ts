import { spawn } from 'node:child_process';
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
  })
  .strict();

export type ExecSpec = z.output<typeof execSpec>;

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
  run: (target, spec, { signal }) =>
    new Promise((resolve) => {
      const startedAt = performance.now();
      const [file, ...args] = buildArgv(spec.command, target, spec.appendTarget);
      let output = '';
      let settled = false;
      // Its own process group, so a timeout kills the script's children too (keepalived misc_timeout does the same).
      const child = spawn(file!, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: { ...process.env, ...spec.env, RSGUARD_RIP: target.host, RSGUARD_RPORT: String(target.port), RSGUARD_VIP: target.vip ?? '', RSGUARD_VPORT: String(target.vport ?? '') },
      });
      const collect = (chunk: Buffer) => {
        if (output.length < MAX_OUTPUT) output += chunk.toString('utf8').slice(0, MAX_OUTPUT - output.length);
      };
      // Without descriptors for the pipes spawn hands back no streams and reports EMFILE on 'error'.
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      const killGroup = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      };
      const onAbort = () => {
        killGroup();
        finish(fail(startedAt, 'timeout', 'command timed out'));
      };
      const finish = (result: ReturnType<typeof pass>) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      // spawn fails only for reasons of this host (no such file, not executable, no fork): never the server's fault.
      child.once('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? '';
        const why = code === 'EACCES' || code === 'ENOENT' || code === 'ENOEXEC' || code === 'EAGAIN' ? 'spawn' : (localFaultOf(code) ?? 'spawn');
        finish(checkError(startedAt, why, `cannot run ${file}: ${err.message}`));
      });
      child.once('close', (code, sig) => {
        const tail = output.trim() ? `: ${snippet(output.trim(), 80)}` : '';
        if (code === 0) finish(pass(startedAt, `exit 0${tail}`));
        else finish(fail(startedAt, 'exit', `${sig ? `killed by ${sig}` : `exit ${code}`}${tail}`));
      });
    }),
});
