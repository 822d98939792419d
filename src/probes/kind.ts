import type { z } from 'zod';
import type { ProbeFn } from './types.js';

/**
 * One probe kind: its own config fields (validated at load, unknown keys
 * rejected) and the function that runs it. The config schema and the kind
 * list are derived from the registry of these, so a new probe is one file
 * and one registry line.
 */
export interface ProbeKind<S extends z.ZodObject = z.ZodObject> {
  kind: string;
  /** Kind-specific fields only; the shared timing fields are added by the config schema. */
  spec: S;
  run: ProbeFn<z.output<S>>;
  /** The probe needs the virtual service address (exec passes it like ldirectord's external check). */
  usesVirtual?: boolean;
  /** The probe never connects to a port (icmp, exec), so `port` may be absent in the target. */
  portless?: boolean;
  /** The probe uses a process-wide resource (the one raw ICMP socket): it runs on the main thread, never on a probe thread. */
  mainThread?: boolean;
  /** Every connection it makes can go through a SOCKS4 proxy (target.socks4). */
  socks4?: boolean;
  /** For a kind with tlsCa that speaks TLS only on some specs (tcp with a TLS connect step): whether this one does, for global.tlsCa. */
  speaksTls?: (spec: Record<string, unknown>) => boolean;
}

/** Keeps the literal spec type while checking the object shape. */
export function defineProbe<S extends z.ZodObject>(probe: ProbeKind<S>): ProbeKind<S> {
  return probe;
}
