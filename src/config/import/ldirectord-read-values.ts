/**
 * What read_config's global and virtual lines share: Perl's truth and dot,
 * the lists it checks values against, and its email alert parsers.
 */

/** A value as read_config stored it, with the line and the directive as written. */
export interface LdValue {
  value: string;
  line: number;
  key: string;
}

export type ErrorFn = (line: number, key: string | undefined, message: string) => void;
export type WarnFn = (line: number, key: string, message: string) => void;

/** Perl truth of a string: false only for "" and "0". */
export const perlTrue = (s: string | undefined): s is string => s !== undefined && s !== '' && s !== '0';

export const SERVICES = new Set(['dns', 'ftp', 'http', 'https', 'http_proxy', 'imap', 'imaps', 'ldap', 'ldaps', 'nntp', 'mysql', 'none', 'oracle', 'pop', 'pops', 'radius', 'pgsql', 'sip', 'smtp', 'submission', 'simpletcp']);
const STATUSES = new Set(['none', 'all', 'starting', 'stopping', 'running', 'reloading']);

/** read_config's `.`: Perl's dot is anything but \n, and a line here has none (JS's dot would also stop at \r). */
export const ANY = '[^\\n]';

/** Directives read_config takes only as global lines, and only inside a virtual: named when one is in the wrong place. */
export const GLOBAL_ONLY = new Set(['autoreload', 'callback', 'logfile', 'execute', 'fork', 'supervised', 'readdquiescent', 'maintenancedir', 'emailalertfrom']);
export const VIRTUAL_ONLY = new Set(['real', 'real6', 'request', 'receive', 'checktype', 'checkcommand', 'checkport', 'login', 'passwd', 'database', 'secret', 'load', 'scheduler', 'persistent', 'schedflags', 'netmask', 'protocol', 'ops', 'service', 'httpmethod', 'virtualhost', 'monitorfile', 'servicename', 'comment']);

/** read_emailalert: enclosing double quotes are stripped. */
export function readEmailalert(addr: string): string {
  return addr.replace(/^"([^"]*)"$/, '$1');
}

/** parse_emailalertstatus: a comma list of all, none, starting, running, stopping, reloading; none alone. */
export function parseEmailalertstatus(arg: string): string | undefined {
  const s = arg.split(/\s*,\s*/);
  const none = s.includes('none');
  for (const i of s) {
    if (i === 'none') continue;
    if (!STATUSES.has(i)) return `invalid email alert status at: ${JSON.stringify(i)}`;
    if (none) return `invalid email alert status: ${JSON.stringify(i)} specified with "none"`;
  }
  return undefined;
}

/**
 * Why a global value with a `#` in it is wrong: read_config cuts a comment
 * (from the `#` to the line's end) only from the lines of a virtual; a
 * global line is matched whole, so `quiescent=no  # note` is the value
 * "no  # note".
 */
export function commentHint(value: string): string {
  return /#/.test(value) ? " (a '#' after a global directive's value starts no comment: ldirectord cuts comments only from the lines inside a virtual, so the text after the value is part of it)" : '';
}
