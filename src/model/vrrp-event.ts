/**
 * VRRP transitions as keepalived reports them: the generic notify script gets
 * `GROUP|INSTANCE NAME STATE PRIORITY` appended; notify_fifo lines are
 * `INSTANCE "VI_1" MASTER 100`, `VS [10.0.0.1]:tcp:80 UP`,
 * `RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN` (vrrp_notify.c, ipwrapper.c).
 */
export const VRRP_STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOP', 'DELETED', 'MASTER_RX_LOWER_PRI', 'MASTER_PRIORITY', 'BACKUP_PRIORITY'] as const;
export type VrrpState = (typeof VRRP_STATES)[number];

export interface VrrpTransition {
  kind: 'INSTANCE' | 'GROUP';
  name: string;
  state: VrrpState;
  priority: number;
  /** Epoch ms when rsguard learned of it (the notify call or the fifo line). */
  at: number;
  /** How it arrived: `rsguard notify` (HTTP), keepalived's notify_fifo, or the spool of notify calls made while rsguard was down. */
  via?: 'notify' | 'notify_fifo' | 'spool';
}

const NAME = /^[A-Za-z0-9_.:@-]{1,64}$/;

/** The metric value for `rsguard_vrrp_state`: 1 master, 2 backup, 3 fault, 0 stop or unknown. */
export function stateCode(state: string): number {
  return state === 'MASTER' ? 1 : state === 'BACKUP' ? 2 : state === 'FAULT' ? 3 : 0;
}

/** Validates one transition from any source; returns the reason when it is not one. */
export function vrrpTransition(kind: string, name: string, state: string, priority: string | number | undefined, at: number): VrrpTransition | string {
  const k = kind.toUpperCase();
  if (k !== 'INSTANCE' && k !== 'GROUP') return `expected INSTANCE or GROUP, got ${JSON.stringify(kind)}`;
  if (!NAME.test(name)) return `bad ${k.toLowerCase()} name ${JSON.stringify(name)}`;
  const s = state.toUpperCase();
  if (!(VRRP_STATES as readonly string[]).includes(s)) return `expected one of ${VRRP_STATES.join(', ')}, got ${JSON.stringify(state)}`;
  const p = priority === undefined || priority === '' ? 0 : Number(priority);
  if (!Number.isInteger(p) || p < 0 || p > 255) return `priority must be 0-255, got ${JSON.stringify(priority)}`;
  return { kind: k, name, state: s as VrrpState, priority: p, at };
}

export type FifoLine =
  | { type: 'vrrp'; transition: VrrpTransition }
  | { type: 'vs'; vs: string; state: 'UP' | 'DOWN' }
  | { type: 'rs'; rs: string; vs: string; state: 'UP' | 'DOWN' }
  | { type: 'invalid'; reason: string };

export function parseFifoLine(line: string, at: number): FifoLine {
  const t = line.trim();
  const vrrp = /^(INSTANCE|GROUP)\s+"([^"]*)"\s+(\S+)\s+(\d+)$/.exec(t);
  if (vrrp) {
    const r = vrrpTransition(vrrp[1]!, vrrp[2]!, vrrp[3]!, vrrp[4]!, at);
    return typeof r === 'string' ? { type: 'invalid', reason: r } : { type: 'vrrp', transition: r };
  }
  const vs = /^VS\s+(\S+(?:\s\S+)?)\s+(UP|DOWN)$/.exec(t);
  if (vs) return { type: 'vs', vs: vs[1]!, state: vs[2] as 'UP' | 'DOWN' };
  const rs = /^RS\s+(\S+)\s+(\S+(?:\s\S+)?)\s+(UP|DOWN)$/.exec(t);
  if (rs) return { type: 'rs', rs: rs[1]!, vs: rs[2]!, state: rs[3] as 'UP' | 'DOWN' };
  return { type: 'invalid', reason: `not a keepalived notify_fifo line: ${JSON.stringify(t.slice(0, 80))}` };
}
