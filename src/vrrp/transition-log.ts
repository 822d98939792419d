import { appendFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { VrrpTransition } from '../model/vrrp-event.js';

const LABEL: Record<string, string> = { MASTER: 'Master', BACKUP: 'Backup', FAULT: 'Fault', STOP: 'Stop', DELETED: 'Deleted' };

/**
 * The human transition log the seeds' notify scripts keep
 * (/var/log/keepalived-state.log): one line per transition, with its time.
 */
export function transitionLine(t: VrrpTransition, host = hostname()): string {
  const label = LABEL[t.state] ?? t.state;
  return `[${label}] ${new Date(t.at).toString()} ${host}: ${t.kind.toLowerCase()} ${t.name} is now ${t.state} (priority ${t.priority})\n`;
}

export async function appendTransition(file: string, line: string): Promise<void> {
  await appendFile(file, line, { mode: 0o644 });
}

/** A keepalived checker line from notify_fifo (`VS`/`RS` up or down), in the same log. */
export function checkerLine(line: { type: 'vs' | 'rs'; vs: string; rs?: string; state: string }, at: number): string {
  return `[${line.state === 'UP' ? 'Up' : 'Down'}] ${new Date(at).toString()} keepalived ${line.type.toUpperCase()} ${line.type === 'rs' ? `${line.rs} of ` : ''}${line.vs} is ${line.state}\n`;
}
