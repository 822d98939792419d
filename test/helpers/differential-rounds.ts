/**
 * How much an original tool must log before a differential phase counts as
 * judged, and how long that may take. Shared by the host (which sizes the
 * whole run) and the guest (which sizes each phase), so both agree.
 */

export type Tool = 'keepalived' | 'ldirectord';

/** Under emulation ldirectord (fork=no) spends up to this long per real-server check; measured 2026-12-07 on the two big files. */
export const SEC_PER_LDIRECTORD_CHECK = 1;

/** Real-server lines in the file (ldirectord checks each once a round). */
function realCount(tool: Tool, text: string): number {
  return (text.match(tool === 'keepalived' ? /^\s*real_server\s/gm : /^\s*real\s*=/gm) ?? []).length;
}

/**
 * ldirectord's check lines to see in a phase: failurecount failures take a
 * server out, a combined checktype (checktype=N) first spends a round on its
 * connect check, and the round under way when the phase began may have checked
 * some servers before the change. keepalived reports its own start-up: 0.
 */
export function checksPerPhase(tool: Tool, text: string): number {
  if (tool !== 'ldirectord') return 0;
  const failurecount = Math.max(1, ...[...text.matchAll(/^\s*failurecount\s*=\s*(\d+)/gm)].map((m) => Number(m[1])));
  return (failurecount + 2) * Math.max(1, realCount(tool, text));
}

/**
 * A phase's bound for the original to judge its servers: the configured start
 * bound, or longer where ldirectord checks its servers one after the other
 * (a file with hundreds of real servers takes minutes per round there).
 */
export function judgeSecFor(startSec: number, checks: number): number {
  return Math.max(startSec, Math.ceil(checks * SEC_PER_LDIRECTORD_CHECK));
}
