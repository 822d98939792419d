import net from 'node:net';
import type { ConfigIssue } from '../errors.js';
import { readGlobalLine } from './ldirectord-global-line.js';
import { ANY, commentHint, type ErrorFn, type LdValue } from './ldirectord-read-values.js';
import { readVirtualLine, type LdVirtual } from './ldirectord-virtual-line.js';

export type { LdVirtual } from './ldirectord-virtual-line.js';

export type { LdValue } from './ldirectord-read-values.js';

/**
 * A port of ldirectord's read_config (Debian 4.12.0, /usr/sbin/ldirectord),
 * line for line: it decides what belongs to which virtual, which lines are
 * refused and what value each directive keeps, exactly as ldirectord's
 * regular expressions do. Resolution (host and service names) and the
 * defaults ld_setup fills in are left to the builders (ldirectord.ts,
 * ldirectord-virtual.ts, ldirectord-real.ts). This file is the line loop;
 * each line of a virtual is read by ldirectord-virtual-line.ts, each global
 * line by ldirectord-global-line.ts, real= and fallback= values by
 * ldirectord-real-line.ts.
 *
 * What read_config does that is easy to get wrong, each followed here:
 * - Only a line starting `virtual=`/`virtual6=` in column 0 opens a virtual.
 *   Inside it each line has its tabs replaced by 4 spaces (`s/\t/    /g`,
 *   not tab stops) and belongs to the virtual when 4 or more spaces lead
 *   it (`/^ {4,}(.+)/`): ` \t` is 5 spaces, `   ` (3) is not. The first line
 *   that does not ends the virtual, a blank line included, and is read
 *   again as a global line; a global line must start in column 0, so an
 *   indented line after a blank one is an unknown command.
 * - A comment line (`^\s*#`, at any indentation) inside a virtual is skipped
 *   and does not end it; any other `#` cuts the rest of the line, even in
 *   quotes. Global lines are not cut: `checktimeout=5 # s` is 5 because
 *   numbers take their first digits, but `quiescent=yes # s` is refused.
 * - Directive names are case-sensitive, `=` is required, trailing spaces
 *   (and a DOS line end's \r) stay in the value: yes/no directives compare
 *   the whole value, numbers take the first run of digits, request,
 *   receive, login, passwd, database, secret, load and a global logfile
 *   and callback need double quotes.
 * - config_error is fatal in ldirectord (it exits at start, keeps the old
 *   config on reload): each is an error here. config_warn is a warning it
 *   carries on past: each is a tolerated issue here.
 */


export interface LdRead {
  globals: Map<string, LdValue>;
  /** `execute=` may be given more than once. */
  execute: LdValue[];
  virtuals: LdVirtual[];
  errors: ConfigIssue[];
  tolerated: ConfigIssue[];
}

export function readLdirectordConfig(file: string, text: string): LdRead {
  const errors: ConfigIssue[] = [];
  const tolerated: ConfigIssue[] = [];
  const globals = new Map<string, LdValue>();
  const execute: LdValue[] = [];
  const virtuals: LdVirtual[] = [];
  const error = (line: number, key: string | undefined, message: string) => void errors.push({ file, line, ...(key ? { path: key } : {}), message });
  const warn = (line: number, key: string, message: string) => void tolerated.push({ file, line, path: key, message });
  const hint = (value: string) => commentHint(value) || (/\r$/.test(value) ? ' (the line ends in \\r: the file has DOS line endings, which ldirectord does not strip)' : /\s$/.test(value) ? ' (ldirectord keeps the trailing spaces in the value)' : '');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let i = 0;
  while (i < lines.length) {
    let linedata: string = lines[i]!;
    let line = ++i;
    // outer_loop: a line that ends a virtual is read again from here.
    for (;;) {
      const vm = new RegExp(`^virtual(6)?\\s*=\\s*(${ANY}*)`).exec(linedata);
      if (vm) {
        const v = readVirtualHead(vm[1] ? 6 : 4, vm[2]!, line, error);
        virtuals.push(v);
        let ended: { data: string; line: number } | undefined;
        while (i < lines.length) {
          const raw = lines[i]!;
          const ln = ++i;
          v.lastLine = ln;
          if (/^\s*#/.test(raw)) continue;
          const s = raw.replace(/#[^\n]*/, '').replace(/\t/g, '    ');
          const m = new RegExp(`^ {4,}(${ANY}+)`).exec(s);
          if (!m) {
            ended = { data: raw, line: ln };
            break;
          }
          readVirtualLine(v, m[1]!, ln, raw, error, warn, hint);
        }
        if (!ended) break;
        linedata = ended.data;
        line = ended.line;
        continue;
      }
      if (/^\s*$/.test(linedata) || /^\s*#/.test(linedata)) break;
      readGlobalLine(linedata, line, globals, execute, error, warn, hint);
      break;
    }
  }
  return { globals, execute, virtuals, errors, tolerated };
}

function readVirtualHead(af: 4 | 6, vattr: string, line: number, error: ErrorFn): LdVirtual {
  const key = af === 6 ? 'virtual6' : 'virtual';
  const v: LdVirtual = { key, line, af, spec: vattr.trim(), set: new Map(), reals: [], lastLine: line };
  let m: RegExpExecArray | null;
  if ((m = /^(\d+\.\d+\.\d+\.\d+):([0-9A-Za-z-_]+)/.exec(vattr)) && af === 4) v.ipPort = { host: m[1]!, port: m[2]! };
  else if ((m = /^([0-9A-Za-z._+-]+):([0-9A-Za-z-_]+)/.exec(vattr))) v.ipPort = { host: m[1]!, port: m[2]! };
  // `virtual=10.0.0.1` (no port) is the fwmark 10 to read_config: its leading digits.
  else if ((m = /^(\d+)/.exec(vattr))) v.fwm = Number(m[1]);
  else if ((m = /^\[([0-9A-Fa-f:]+)\]:([0-9A-Za-z-_]+)/.exec(vattr))) {
    if (af === 4) error(line, key, 'cannot specify an IPv6 address here: use "virtual6" instead');
    else if (!net.isIPv6(m[1]!)) error(line, key, 'invalid ipv6 address for virtual server');
    else v.ipPort = { host: `[${m[1]}]`, port: m[2]! };
  } else error(line, key, `invalid address for virtual server: ${JSON.stringify(vattr)}`);
  return v;
}
