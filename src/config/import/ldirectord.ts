import { statSync } from 'node:fs';
import path from 'node:path';
import { SYSLOG_FACILITIES } from '../schema.js';
import type { ImportResult } from './imported.js';
import { IGNORED, type Ctx } from './ldirectord-context.js';
import { resolveFallback } from './ldirectord-fallback.js';
import { ldirectordMail } from './ldirectord-mail.js';
import { LdNames, type NameOptions } from './ldirectord-names.js';
import { readLdirectordConfig, type LdRead, type LdVirtual } from './ldirectord-reader.js';
import { parseFallback, parseReal } from './ldirectord-real-line.js';
import { buildVirtual } from './ldirectord-virtual.js';

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads ldirectord.cf as ldirectord does: ldirectord-reader.ts is its
 * read_config; this file the global settings, ldirectord-virtual.ts and
 * ldirectord-real.ts what ld_setup and the checks make of each virtual.
 * Defaults are the code's, not the manual's (set_defaults, ld_setup):
 * quiescent=no, checktype=negotiate, scheduler=wrr, checkinterval=10,
 * checktimeout and negotiatetimeout each other's default, then 5 and 30 s,
 * failurecount=1; a single success brings a server back (rise 1), and
 * failures are counted once per checkinterval.
 */
export async function importLdirectord(file: string, text: string, nameOptions: NameOptions = {}): Promise<ImportResult> {
  const read = readLdirectordConfig(file, text);
  const names = new LdNames(nameOptions);
  lookUpEveryName(read, names);
  const errors = read.errors;
  const tolerated = read.tolerated;
  const warnings: string[] = [];
  const lines = new Map<string, number>();
  const directives = new Map<string, string>();
  const mark = (path: string, at: { line: number; key: string }) => {
    lines.set(path, at.line);
    directives.set(path, at.key);
  };
  const g = read.globals;
  for (const d of [...g.values(), ...read.execute]) if (IGNORED[d.key]) warnings.push(`${file}:${d.line}: ${d.key} accepted but not acted on: ${IGNORED[d.key]}`);
  // logfile="local0" (a facility) is syslog; a path is a file rsguard does not write (it logs to stdout or syslog).
  const logfile = g.get('logfile');
  const log = logfile && logfile.value in SYSLOG_FACILITIES ? { to: 'syslog', facility: logfile.value } : undefined;
  if (logfile && log) warnings.push(`${file}:${logfile.line}: logfile=${logfile.value}: rsguard sends syslog over UDP to 127.0.0.1:514 (rsyslog imudp); ldirectord used /dev/log`);
  else if (logfile) warnings.push(`${file}:${logfile.line}: logfile accepted but not acted on: rsguard logs JSON to stdout (journald under systemd) or to syslog (logfile="local0")`);
  // read_config: config_warn when maintenancedir is not a directory (ldirectord carries on).
  const maint = g.get('maintenancedir');
  if (maint && !isDirectory(maint.value)) tolerated.push({ file, line: maint.line, path: maint.key, message: 'maintenance directory does not exist' });
  const ctx: Ctx = { file, read, errors, warnings, tolerated, mark, fork: g.get('fork')?.value === 'yes', globalFallback: {}, names, unresolved: [] };
  // read_config parses and resolves a global fallback where it is written, used or not (for tcp and udp virtuals alike).
  for (const [af, key] of [[4, 'fallback'], [6, 'fallback6']] as const) {
    const d = g.get(key);
    if (d) ctx.globalFallback[af] = await resolveFallback(ctx, d, af, undefined);
  }
  const virtualServices: Array<Record<string, unknown>> = [];
  const indexOf = new Map<LdVirtual, number>();
  for (const v of read.virtuals) {
    const base = `virtualServices[${virtualServices.length}]`;
    const vs = await buildVirtual(ctx, v, base);
    if (!vs) continue;
    mark(base, { line: v.line, key: v.key });
    indexOf.set(v, virtualServices.length);
    virtualServices.push(vs);
  }
  const unresolved = ctx.unresolved.flatMap(({ virtual, ...u }) => (indexOf.has(virtual) ? [{ ...u, vs: indexOf.get(virtual)! }] : []));
  // ldirectord stops at the first config_error (config_error, ld_exit): with a line already refused, "no virtual" is noise.
  if (read.virtuals.length === 0 && errors.length === 0) errors.push({ file, message: 'no virtual= block' });
  const notify = ldirectordMail(ctx);
  // A bad global directive is read again for every virtual that inherits it: report it once.
  const unique = [...new Map(errors.map((e) => [`${e.line}|${e.path}|${e.message}`, e])).values()];
  const cleanStop = g.get('cleanstop')?.value !== 'no';
  const autoReload = g.get('autoreload')?.value === 'yes';
  // ldirectord opens it relative to its working directory, / under init: the same here.
  const maintenanceDir = maint ? path.resolve('/', maint.value) : undefined;
  if (maint) mark('global.maintenanceDir', maint);
  if (g.get('autoreload')) mark('global.autoReload', g.get('autoreload')!);
  const hostNames = names.hostNames();
  return {
    // ld_start purges every real server of a virtual that the file does not name ("Purged real server (start)"), at start and on
    // each reload, and rewrites an existing virtual's scheduler and persistence with ipvsadm -E: its file is the whole truth.
    input: { global: { autoReload, ...(maintenanceDir ? { maintenanceDir } : {}), ...(log ? { log } : {}) }, balancer: { kind: 'ipvs', cleanStop, foreignServers: 'remove' }, ...(notify ? { notify } : {}), virtualServices },
    lines,
    directives,
    warnings,
    errors: unique,
    tolerated: [...new Map(tolerated.map((e) => [`${e.line}|${e.path}|${e.message}`, e])).values()],
    ...(hostNames.answers.size ? { hostNames: { ...hostNames, ...(unresolved.length ? { unresolved } : {}) } } : {}),
  };
}

/** Starts the lookup of every host name of the file (virtuals, real servers, fallbacks) before the builders await any. */
function lookUpEveryName(read: LdRead, names: LdNames): void {
  const bare = (h: string) => h.replace(/^\[(.*)\]$/, '$1');
  const fallback = (text: string | undefined, af: 4 | 6) => {
    const f = text === undefined ? undefined : parseFallback(text);
    if (f && typeof f !== 'string') names.prefetch(bare(f.server), af);
  };
  fallback(read.globals.get('fallback')?.value, 4);
  fallback(read.globals.get('fallback6')?.value, 6);
  for (const v of read.virtuals) {
    if (v.ipPort) names.prefetch(bare(v.ipPort.host), v.af);
    fallback(v.set.get('fallback')?.value, v.af);
    for (const d of v.reals) {
      const r = parseReal(d.value);
      if (typeof r !== 'string' && r.ip2 === undefined) names.prefetch(bare(r.ip1), v.af);
    }
  }
}
