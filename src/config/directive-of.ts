import { formatPath, type PathSegment } from './errors.js';
import type { ImportResult } from './import/imported.js';

/**
 * Which directive of an imported file a field of rsguard's model came from,
 * so a refusal names what the admin wrote (`lb_algo`, `checktimeout`,
 * `inter`), never the model path (`virtualServices[0].scheduler`).
 *
 * The importer's own record (ImportResult.directives) wins. Where it kept
 * none, the directive is read from the source: the field's line (the
 * closest recorded one) is searched for a directive that sets such a field,
 * then the lines of the block it opens, else its first word is taken.
 */

/** The directives of ldirectord.cf, keepalived.conf and haproxy.cfg that set a field, by the field's name. */
const FIELD_DIRECTIVES: Record<string, string[]> = {
  'persistence.timeout': ['persistence_timeout', 'persistent'],
  'persistence.netmask': ['persistence_granularity', 'netmask'],
  'smtp.host': ['smtp_server', 'smtp'],
  'smtp.port': ['smtp_server', 'smtp'],
  scheduler: ['lb_algo', 'lvs_sched', 'scheduler', 'balance'],
  forwarding: ['lb_kind', 'lvs_method'],
  weight: ['weight'],
  timeout: ['connect_timeout', 'misc_timeout', 'checktimeout', 'negotiatetimeout', 'timeout'],
  interval: ['delay_loop', 'checkinterval', 'inter'],
  retryInterval: ['delay_before_retry', 'fastinter', 'downinter', 'checkinterval'],
  fall: ['retry', 'nb_get_retry', 'failurecount', 'fall'],
  rise: ['rise'],
  to: ['notification_email', 'emailalert'],
  emailTo: ['emailalert'],
  from: ['notification_email_from', 'emailalertfrom'],
  host: ['connect_ip', 'addr', 'smtp_server', 'smtp'],
  port: ['connect_port', 'checkport', 'port'],
  connectTimeout: ['smtp_connect_timeout'],
  helo: ['smtp_helo_name', 'helo_name'],
  routerId: ['router_id'],
  quorum: ['quorum'],
  hysteresis: ['hysteresis'],
  sorryServer: ['sorry_server', 'fallback', 'fallback6', 'backup'],
  path: ['path', 'url', 'request'],
  expectStatus: ['status_code', 'expect'],
  digest: ['digest'],
  virtualHost: ['virtualhost', 'host'],
  fallbackCommand: ['fallbackcommand'],
  quorumUp: ['quorum_up'],
  quorumDown: ['quorum_down'],
  command: ['misc_path', 'checkcommand'],
  count: ['checkcount', 'count'],
};

/** The words of a source line: `key = value`, `key value`, `server a b inter 2s`. */
function wordsOf(text: string): string[] {
  return text.replace(/#.*$/, '').split(/[\s=]+/).filter(Boolean);
}

function indentOf(text: string): number {
  return /^[ \t]*/.exec(text.replace(/\t/g, '    '))![0].length;
}

/** The longest prefix of `path` the map has an entry for. */
function longest<T>(map: ReadonlyMap<string, T> | undefined, path: readonly PathSegment[]): { value: T; length: number } | undefined {
  if (!map) return undefined;
  for (let n = path.length; n >= 0; n--) {
    const v = map.get(formatPath(path.slice(0, n)));
    if (v !== undefined) return { value: v, length: n };
  }
  return undefined;
}

export function directiveOf(result: Pick<ImportResult, 'lines' | 'directives'>, text: string | undefined, path: readonly PathSegment[]): { line?: number; directive?: string } {
  const line = longest(result.lines, path);
  const recorded = longest(result.directives, path);
  // The importer's record, unless a closer line was recorded without a directive.
  if (recorded && (!line || recorded.length >= line.length)) return { line: result.lines.get(formatPath(path.slice(0, recorded.length))) ?? line?.value, directive: recorded.value };
  if (!line) return {};
  const source = text?.split('\n');
  const at = source?.[line.value - 1];
  if (!source || at === undefined) return { line: line.value };
  const names = path.filter((p): p is string => typeof p === 'string');
  const leaf = names[names.length - 1];
  const candidates = [...(FIELD_DIRECTIVES[names.slice(-2).join('.')] ?? []), ...(leaf ? FIELD_DIRECTIVES[leaf] ?? [] : [])];
  const onLine = wordsOf(at).find((w) => candidates.includes(w));
  if (onLine) return { line: line.value, directive: onLine };
  // The block the line opens: to its closing brace (keepalived.conf), else the lines after it indented deeper (ldirectord.cf, haproxy.cfg).
  const braces = (t: string) => (t.replace(/[#!].*$/, '').match(/{/g)?.length ?? 0) - (t.replace(/[#!].*$/, '').match(/}/g)?.length ?? 0);
  let open = braces(at);
  const depth = indentOf(at);
  for (let i = line.value; i < source.length && i < line.value + 1000; i++) {
    const t = source[i]!;
    if (!t.trim() || /^\s*[#!]/.test(t)) continue;
    if (open > 0 ? open + Math.min(0, braces(t)) <= 0 : indentOf(t) <= depth) break;
    open += braces(t);
    const first = wordsOf(t)[0];
    if (first && candidates.includes(first)) return { line: i + 1, directive: first };
  }
  return { line: line.value, directive: wordsOf(at)[0] };
}
