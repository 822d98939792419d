import type { ConfigIssue } from '../errors.js';
import type { LdNames } from './ldirectord-names.js';
import type { LdRead, LdValue, LdVirtual } from './ldirectord-reader.js';

/** What the builders of one ldirectord.cf share: what read_config read, and where issues and source lines go. */
export interface Ctx {
  file: string;
  read: LdRead;
  errors: ConfigIssue[];
  warnings: string[];
  tolerated: ConfigIssue[];
  mark: (path: string, at: { line: number; key: string }) => void;
  fork: boolean;
  globalFallback: { 4?: ResolvedFallback; 6?: ResolvedFallback };
  /** Every host name of the file, looked up at once (ldirectord-names.ts). */
  names: LdNames;
  /** Reals whose name gave no address, by the virtual they belong to (its index is known once it is built). */
  unresolved: Array<{ virtual: LdVirtual; name: string; port: number; lookup: string }>;
}

export type ResolvedFallback = { host: string; port: number | undefined; forward: string; at: LdValue };

/** A real= or fallback= forwarding method as rsguard names it. */
export const FORWARDING: Record<string, string> = { gate: 'dr', masq: 'nat', ipip: 'tun' };

/** Directives ldirectord acts on and rsguard accepts without acting on, and why. */
export const IGNORED: Record<string, string> = {
  callback: 'rsguard has no reload callback',
  execute: 'run one rsguard per config instead',
  supervised: 'rsguard always runs in the foreground',
  fork: 'rsguard checks concurrently without forking (it still takes each virtual\'s checkinterval, as fork=yes does)',
  readdquiescent: 'rsguard always re-adds entries missing from the table',
  monitorfile: 'see the JSON log and /api/status',
  comment: 'kept only in the source file',
  load: 'ldirectord parses and ignores it too',
  emailalertstatus: 'rsguard mails every transition, and its own start and stop',
};
