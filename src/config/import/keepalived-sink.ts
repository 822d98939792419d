import type { ConfigIssue } from '../errors.js';
import type { KaNode } from './keepalived-parser.js';

/**
 * How keepalived's handlers take a value (check_parser.c, check_api.c,
 * lib/parser.c): what a bad value costs (logged and ignored, or the whole
 * file), and the settings a virtual_server and a real_server hand down to
 * their checkers.
 */

/** Settings inherited virtual_server → real_server → checker (check_data.c validate_check_config). */
export interface Inherited {
  delayLoop?: number;
  connectTimeout?: number;
  retry?: number;
  delayBeforeRetry?: number;
  alpha?: boolean;
  virtualhost?: string;
}

/** Where a keepalived import puts what it finds: errors refuse, tolerated is what keepalived logs and reads past. */
export interface KaSink {
  errors: ConfigIssue[];
  warnings: string[];
  tolerated: ConfigIssue[];
}

const at = (n: KaNode) => ({ file: n.file, line: n.line });

/** keepalived's report_config_error() for a line it then reads past. */
export function tolerate(sink: KaSink, n: KaNode, message: string): void {
  sink.tolerated.push({ ...at(n), path: n.key, message });
}

/** process_stream(): a keyword this level does not register is logged and skipped, block and all. */
export function unknownKeyword(sink: KaSink, n: KaNode): void {
  tolerate(sink, n, `Unknown keyword '${n.key}' (ignored, as keepalived 2.2.7 does)`);
}

/** Keywords whose handlers check for a missing argument; every other handler reads word 1 unconditionally. */
const ARGUMENT_OPTIONAL = new Set([
  'alpha', 'inhibit_on_failure', 'ha_suspend', 'ops', 'hashed', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback', 'omega',
  'persistence_timeout', 'smtp_alert', 'sorry_server_inhibit', 'misc_dynamic', 'misc_path', 'regex_no_match', 'log_all_failures', 'require_reply', 'payload',
  'fast_recovery', 'enable_sni', 'http_protocol', 'user', 'virtualhost', 'helo_name', 'url', 'host', 'notify_up', 'notify_down', 'quorum_up', 'quorum_down',
  'TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK',
]);

/**
 * A known keyword with no argument where its handler reads one: strvec_slot()
 * calls null_strvec(), which logs "Configuration line starting `X` is missing
 * a parameter" and exits, so keepalived refuses the file. So does rsguard.
 */
export function missingParameter(n: KaNode, sink: KaSink): boolean {
  if (n.args.length || ARGUMENT_OPTIONAL.has(n.key)) return false;
  sink.errors.push({ ...at(n), path: n.key, message: `configuration line starting \`${n.key}\` is missing a parameter (keepalived 2.2.7 exits on it)` });
  return true;
}

/**
 * read_timer / read_unsigned as the handlers use them: a value outside
 * [min, max] or not a number is logged and the setting keeps its previous
 * value ("... invalid - ignoring").
 */
export function kaNumber(n: KaNode, sink: KaSink, min: number, integer = false, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const text = n.args[0];
  const v = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    tolerate(sink, n, `${n.key} ${JSON.stringify(n.args.join(' '))} invalid (expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}]) - ignoring, as keepalived does`);
    return undefined;
  }
  return v;
}

/** check_true_false(): no argument is true; true/on/yes, false/off/no, in lower case; anything else is logged and ignored. */
export function kaBool(n: KaNode, sink: KaSink): boolean | undefined {
  const a = n.args[0];
  if (a === undefined) return true;
  if (/^(true|on|yes)$/.test(a)) return true;
  if (/^(false|off|no)$/.test(a)) return false;
  tolerate(sink, n, `invalid ${n.key} parameter ${a} - ignoring`);
  return undefined;
}

/**
 * The timing keywords virtual_server and real_server register
 * (check_parser.c: vs_/rs_ retry, delay_before_retry, connect_timeout,
 * delay_loop, alpha, virtualhost; warmup is read and not acted on).
 * Returns true when the node was one of them.
 */
export function readInherited(n: KaNode, into: Inherited, sink: KaSink): boolean {
  switch (n.key) {
    case 'delay_loop':
      into.delayLoop = kaNumber(n, sink, 0.000001) ?? into.delayLoop;
      return true;
    case 'connect_timeout':
      into.connectTimeout = kaNumber(n, sink, 0.000001) ?? into.connectTimeout;
      return true;
    case 'retry':
      // vs_retry_handler/rs_retry_handler read 1..UINT32_MAX.
      into.retry = kaNumber(n, sink, 1, true) ?? into.retry;
      return true;
    case 'delay_before_retry':
      into.delayBeforeRetry = kaNumber(n, sink, 0) ?? into.delayBeforeRetry;
      return true;
    case 'alpha':
      into.alpha = kaBool(n, sink) ?? into.alpha;
      return true;
    case 'virtualhost':
      into.virtualhost = n.args[0];
      return true;
    case 'warmup':
      sink.warnings.push(`${n.file}:${n.line}: ${n.key} accepted but not acted on`);
      return true;
    default:
      return false;
  }
}

