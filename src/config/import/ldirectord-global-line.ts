import { ANY, parseEmailalertstatus, perlTrue, readEmailalert, VIRTUAL_ONLY, type ErrorFn, type LdValue, type WarnFn } from './ldirectord-read-values.js';

/** One global line (column 0, outside any virtual), as read_config reads it into its globals. */
export function readGlobalLine(linedata: string, line: number, globals: Map<string, LdValue>, execute: LdValue[], error: ErrorFn, warn: WarnFn, hint: (s: string) => string): void {
  const set = (key: string, value: string) => void globals.set(key, { value, line, key });
  const plain = (key: string) => new RegExp(`^${key}\\s*=\\s*(${ANY}*)`).exec(linedata);
  const yesNo = (key: string, m: RegExpExecArray) => {
    if (m[1] === 'yes' || m[1] === 'no') set(key, m[1]);
    else error(line, key, `${key} must be 'yes' or 'no', got ${JSON.stringify(m[1])}${hint(m[1]!)}`);
  };
  const count = (key: string, m: RegExpExecArray, what: string, positive: boolean) => {
    const d = /(\d+)/.exec(m[1]!)?.[1];
    if (perlTrue(d) && (!positive || Number(d) > 0)) set(key, d);
    else error(line, key, `invalid ${what}: ${JSON.stringify(m[1])}`);
  };
  let m: RegExpExecArray | null;
  if ((m = plain('checktimeout'))) count('checktimeout', m, 'check timeout value', true);
  else if ((m = plain('connecttimeout'))) error(line, 'connecttimeout', 'connecttimeout directive deprecated in favour of negotiatetimeout');
  else if ((m = plain('negotiatetimeout'))) count('negotiatetimeout', m, 'negotiate timeout value', true);
  else if ((m = plain('checkinterval'))) count('checkinterval', m, 'check interval value', false);
  else if ((m = plain('checkcount'))) {
    count('checkcount', m, 'check count value', false);
    warn(line, 'checkcount', "checkcount option is deprecated and slated for removal.  please see 'failurecount'");
  } else if ((m = plain('failurecount'))) count('failurecount', m, 'failure count value', false);
  else if ((m = new RegExp(`^(fallback(6)?)\\s*=\\s*(${ANY}*)`).exec(linedata))) globals.set(m[1]!, { value: m[3]!, line, key: m[1]! });
  else if ((m = plain('fallbackcommand'))) m[1] ? set('fallbackcommand', m[1]) : error(line, 'fallbackcommand', 'invalid fallback command');
  else if ((m = plain('autoreload'))) yesNo('autoreload', m);
  else if ((m = new RegExp(`^callback\\s*=\\s*"(${ANY}*)"`).exec(linedata))) set('callback', m[1]!);
  else if ((m = new RegExp(`^logfile\\s*=\\s*"(${ANY}*)"`).exec(linedata))) set('logfile', m[1]!);
  else if ((m = plain('execute'))) execute.push({ value: m[1]!, line, key: 'execute' });
  else if ((m = plain('fork'))) yesNo('fork', m);
  else if (/^supervised/.test(linedata)) {
    if ((m = plain('supervised')) && (m[1] === 'yes' || m[1] === 'no')) set('supervised', m[1]);
    else if (/^supervised\s*$/.test(linedata)) {
      set('supervised', 'yes');
      warn(line, 'supervised', 'please update your config not to use a bare supervised directive');
    } else error(line, 'supervised', "supervised must be 'yes' or 'no'");
  } else if ((m = plain('quiescent'))) yesNo('quiescent', m);
  else if ((m = plain('readdquiescent'))) yesNo('readdquiescent', m);
  else if ((m = plain('emailalert'))) {
    const a = readEmailalert(m[1]!);
    a ? set('emailalert', a) : error(line, 'emailalert', 'no email address specified');
  } else if ((m = /^emailalertfreq\s*=\s*(\d*)/.exec(linedata))) m[1] ? set('emailalertfreq', m[1]) : error(line, 'emailalertfreq', 'invalid email alert frequency');
  else if ((m = plain('emailalertstatus'))) {
    const bad = parseEmailalertstatus(m[1]!);
    bad ? error(line, 'emailalertstatus', bad) : set('emailalertstatus', m[1]!);
  } else if ((m = plain('emailalertfrom'))) m[1] ? set('emailalertfrom', m[1]) : error(line, 'emailalertfrom', 'no email from address specified');
  else if ((m = plain('cleanstop'))) yesNo('cleanstop', m);
  else if ((m = plain('smtp'))) {
    const h = /^([0-9A-Za-z._+-]+)/.exec(m[1]!)?.[1];
    h ? set('smtp', h) : error(line, 'smtp', 'invalid SMTP server address');
  } else if ((m = plain('maintenancedir'))) m[1] ? set('maintenancedir', m[1]) : error(line, 'maintenancedir', 'maintenance directory not specified');
  else if ((m = plain('timeout'))) error(line, 'timeout', 'timeout directive deprecated in favour of checktimeout and negotiatetimeout');
  else {
    const key = /^\s*([A-Za-z0-9_]+)/.exec(linedata)?.[1];
    const why = /^\s/.test(linedata)
      ? ' (a global directive starts in column 0; a line of a virtual needs 4 or more leading spaces or a tab, and a blank line or a line indented less ends the virtual)'
      : key && VIRTUAL_ONLY.has(key) ? ` (${key} belongs inside a virtual= block: indent it)` : '';
    error(line, key, `Unknown command ${JSON.stringify(linedata)}${why}`);
  }
}
