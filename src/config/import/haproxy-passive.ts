import type { ConfigIssue } from '../errors.js';
import type { Directive } from './imported.js';

const ON_ERROR = ['fastinter', 'fail-check', 'sudden-death', 'mark-down'];

/**
 * A checked server's `observe`, `on-error` and `error-limit` (default-server's
 * or its own) as rsguard's passive health (`haproxyPassive`): the same
 * actions, read from HAProxy's counters every passiveInterval instead of per
 * request. `on-error fastinter` only makes HAProxy check sooner, which
 * rsguard does not do from traffic: warned with its line, not imported.
 * Values HAProxy refuses are refused (srv_parse_observe, srv_parse_on_error,
 * srv_parse_error_limit).
 */
export function passiveOf(values: ReadonlyMap<string, string>, d: Directive, errors: ConfigIssue[], warnings: string[]): Record<string, unknown> | undefined {
  const at = { file: d.file, line: d.line };
  const observe = values.get('observe');
  const onError = values.get('on-error');
  const limit = values.get('error-limit');
  if (observe !== undefined && !['none', 'layer4', 'layer7'].includes(observe)) errors.push({ ...at, path: 'observe', message: `observe expects one of 'none', 'layer4', 'layer7', got ${JSON.stringify(observe)}` });
  if (onError !== undefined && !ON_ERROR.includes(onError)) errors.push({ ...at, path: 'on-error', message: `on-error expects one of ${ON_ERROR.join(', ')}, got ${JSON.stringify(onError)}` });
  const errorLimit = limit === undefined ? 10 : Number(limit);
  if (!Number.isInteger(errorLimit) || errorLimit < 1) errors.push({ ...at, path: 'error-limit', message: `error-limit expects a positive integer, got ${JSON.stringify(limit)}` });
  if (observe !== 'layer4' && observe !== 'layer7') return undefined;
  if (onError === 'fastinter') {
    warnings.push(`${d.file}:${d.line}: observe ${observe} with on-error fastinter not acted on: HAProxy only runs the next check sooner on errors; rsguard does not reschedule checks from traffic (on-error fail-check, sudden-death or mark-down are)`);
    return undefined;
  }
  return { observe, errorLimit, onError: onError ?? 'fail-check' };
}
