import { createHash } from 'node:crypto';

/** One thing worth a mail, in a form that survives a restart (the spool holds these as JSON). */
export type MailKind =
  | 'rs-down' | 'rs-up' | 'rs-still-down' | 'flapping-start' | 'flapping-stop'
  | 'sorry-in' | 'sorry-out' | 'sorry-down' | 'sorry-up' | 'quorum-lost' | 'quorum-gained' | 'vrrp' | 'started' | 'stopping'
  | 'check-error' | 'check-error-cleared' | 'valve-held' | 'valve-confirmed'
  | 'maint-on' | 'maint-off' | 'drain-on' | 'drain-off';

export interface MailEvent {
  /** Deterministic from what happened and when: the same transition never makes two spool entries. */
  id: string;
  at: number;
  kind: MailKind;
  vs?: string;
  vsName?: string;
  rs?: string;
  check?: string | null;
  reason?: string;
  vrrp?: { kind: string; name: string; state: string; priority: number };
  /** server transitions: when the state they leave began; identifies the transition across a crash (see MonitorEvent). */
  since?: number;
  /** check-error: the reason class (spawn, permission, ...) and how many checks share it. */
  checkError?: { reason: string; checks: number };
  /** maint-*, drain-*: who set or cleared the hold (the API client's address, the maintenance directory). */
  admin?: { source: string; by: string | null };
  /** Recipients when a virtual service overrides the global ones. */
  to?: string[];
}

export function mailEventId(e: Omit<MailEvent, 'id'>): string {
  return createHash('sha1').update(JSON.stringify([e.kind, e.since ?? e.at, e.vs, e.rs, e.vrrp?.name, e.vrrp?.state, e.checkError?.reason])).digest('hex').slice(0, 20);
}
