import type { HostNamesDef, UnresolvedServerDef } from '../../model/model.js';
import type { ConfigIssue } from '../errors.js';

/**
 * What an importer hands back: the same input object rsguard YAML parses to
 * (so one schema validates both, and `rsguard import` can print it as YAML
 * that loads to the same model), the source line of each field path for
 * error messages, and what was accepted but not acted on.
 */
export interface ImportResult {
  input: Record<string, unknown>;
  /** Field path (`virtualServices[0].realServers[1]`) → source line. */
  lines: Map<string, number>;
  /**
   * Field path → the directive as written in the source (`lb_algo`,
   * `checktimeout`, `inter`), so a refusal names it, never rsguard's field.
   * Optional: where an importer records none, load.ts derives it from the
   * source line (see directive-of.ts).
   */
  directives?: Map<string, string>;
  warnings: string[];
  errors: ConfigIssue[];
  /**
   * Config errors the original tool logs and carries on past (keepalived's
   * "unknown keyword", an unknown lb_algo that becomes wlc): rsguard does what
   * the tool does and warns naming the line; `check-config --strict` refuses them.
   */
  tolerated?: ConfigIssue[];
  /** Host names the file gives servers by (ldirectord.cf, haproxy.cfg), their answers, and how often they are asked again. */
  hostNames?: HostNames;
}

/** Model.hostNames as an importer knows it: an unresolved server names its virtual service by index in `input.virtualServices` (load.ts puts the key). */
export type HostNames = Omit<HostNamesDef, 'unresolved' | 'text'> & { unresolved?: Unresolved[] };

export type Unresolved = Omit<UnresolvedServerDef, 'vs'> & { vs: number };

/** A directive and where it was written. */
export interface Directive {
  key: string;
  args: string[];
  file: string;
  line: number;
}

export function seconds(value: number): string {
  return Number.isInteger(value) ? `${value}s` : `${Math.round(value * 1000)}ms`;
}

/** Known service names in `host:name` ports (ldirectord takes getservbyname names). */
export const SERVICE_PORTS: Record<string, number> = {
  ftp: 21, ssh: 22, smtp: 25, domain: 53, dns: 53, http: 80, www: 80, pop3: 110, pop: 110, nntp: 119, imap: 143, imap2: 143, ldap: 389,
  https: 443, submission: 587, ldaps: 636, imaps: 993, pop3s: 995, pops: 995, mysql: 3306, postgresql: 5432, pgsql: 5432, sip: 5060, radius: 1812, oracle: 1521,
};

/**
 * A part of a config rsguard cannot do (BFD_CHECK, service=oracle, a long
 * tcp-check sequence): reported as an `unsupported` issue, which `rsguard
 * import` lets through, and a marker object that stands where the check was.
 * The marker has no `kind`, so the YAML refuses to load until it is replaced;
 * the YAML loader reads `unsupported` and `replaceWith` to say so.
 */
export function unsupportedPart(errors: ConfigIssue[], at: { file: string; line: number; path: string }, message: string, replaceWith: string): Record<string, unknown> {
  errors.push({ ...at, message, unsupported: { replaceWith } });
  return { unsupported: `${at.file}:${at.line}: ${message}`, replaceWith };
}
