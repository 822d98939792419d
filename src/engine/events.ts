import type { CheckErrorReason } from '../probes/types.js';
import type { Health, StateType } from '../state/check-state.js';
import type { VrrpTransition } from '../model/vrrp-event.js';

/** Names a real server inside a virtual service, for logs, mail and metrics. */
export interface ServerRef {
  vs: string;
  vsName: string;
  rs: string;
}

/** What the state engine tells the rest of rsguard (log, metrics, mail, actuators). */
export type MonitorEvent =
  | {
      type: 'server-hard';
      at: number;
      /**
       * When the state it leaves began (the deciding check's last hard change):
       * the same transition seen again after a crash and restart carries the
       * same value, so its mail is recognised as already sent.
       */
      since: number;
      server: ServerRef;
      from: Health;
      to: Health;
      /** Label of the check that decided it, and what it saw. */
      check: string | null;
      reason: string;
    }
  | {
      type: 'server-soft';
      at: number;
      server: ServerRef;
      from: Health;
      to: Health;
      fromType: StateType;
      toType: StateType;
      check: string | null;
      reason: string;
    }
  /** A check asked for another weight (misc_dynamic, FILE_CHECK); `weight` is the real server's effective weight now. */
  | { type: 'server-weight'; at: number; server: ServerRef; weight: number; configured: number; check: string }
  | { type: 'server-flapping'; at: number; server: ServerRef; flapping: boolean; percent: number }
  /**
   * An operator put a real server under a hold (drain, maintenance) or took it off. Not emitted for the holds read
   * back at start: they were announced when set.
   */
  | { type: 'server-admin'; at: number; server: ServerRef; mode: 'drain' | 'maint'; on: boolean; source: string; by: string | null; reason: string | null }
  /** The sorry server came in (active) or left the pool. */
  | { type: 'sorry-server'; at: number; vs: string; vsName: string; active: boolean }
  /** The sorry server's own checks went hard down or up: a dead sorry server is never put in. */
  | { type: 'sorry-health'; at: number; vs: string; vsName: string; server: string; up: boolean; check: string | null; reason: string }
  /** The virtual service gained or lost quorum (keepalived quorum_up / quorum_down). */
  | { type: 'quorum'; at: number; vs: string; vsName: string; up: boolean; upWeight: number; quorum: number }
  /** A VRRP instance or group changed state (keepalived notify script or notify_fifo). */
  | { type: 'vrrp'; at: number; transition: VrrpTransition }
  /**
   * Checks cannot run for a reason of rsguard's own (active), or no longer
   * (cleared): one event per reason, not per server. Their servers keep their
   * last state meanwhile.
   */
  | { type: 'check-error'; at: number; reason: CheckErrorReason; active: boolean; checks: number; check: string; detail: string }
  /** The safety valve held a mass failure for confirmation, or applied it. */
  | { type: 'safety-valve'; at: number; vs: string; vsName: string; held: number; total: number; confirmed: boolean }
  /** rsguard itself starting or stopping. */
  | { type: 'daemon'; at: number; state: 'starting' | 'stopping' };

export type EventSink = (event: MonitorEvent) => void;
