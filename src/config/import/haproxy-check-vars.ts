import { Refused, Unsupported } from './haproxy-check-parse.js';
import { evalLogFormat } from './haproxy-log-format.js';
import { evalSample, orElse, parseSample, varName, type CheckVars } from './haproxy-sample.js';
import type { Directive } from './imported.js';

export const VAR_RULE = /^(set-var|set-var-fmt|unset-var)\(/;

/**
 * `http-check|tcp-check set-var(<name>) <expr>`, `set-var-fmt(<name>) <fmt>`,
 * `unset-var(<name>)` (vars.c parse_store, action_store): run where they
 * stand in the ruleset. A failed expression leaves the variable as it was.
 */
export function applyVarRule(d: Directive, scope: CheckVars): void {
  const head = d.args[0]!;
  const m = /^(set-var|set-var-fmt|unset-var)\((.*)\)$/.exec(head);
  const what = `${d.key} ${head}`;
  if (!m) throw new Refused(d, `${d.key} ${head.replace(/\(.*$/, '')}`, `invalid or incomplete action '${head}': expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)' (HAProxy refuses it)`);
  const [, action, inner] = m;
  const [raw, ...conditions] = inner!.split(',');
  if (conditions.length) {
    if (action === 'unset-var') throw new Refused(d, what, 'unset-var does not expect parameters after the variable name (HAProxy refuses it)');
    throw new Unsupported(d, `${what}: the conditions ${conditions.join(',')}`, 'the rule without conditions');
  }
  const v = varName(raw!, d, what);
  if (action === 'unset-var') {
    if (d.args.length > 1) throw new Unsupported(d, `${what}: the words after it`, 'the rule alone');
    if (v.stored) scope.unset(v.name);
    return;
  }
  const arg = d.args[1];
  if (arg === undefined) throw new Refused(d, what, `${action} expects ${action === 'set-var' ? 'a sample expression' : 'a log-format string'} (HAProxy refuses it)`);
  if (d.args.length > 2) throw new Unsupported(d, `${what}: an expression of several words`, 'the rule with one expression');
  const value = action === 'set-var-fmt' ? evalLogFormat(arg, scope, d, what) : evalSample(parseSample(arg, d, what), scope, d, what);
  if (!v.stored || value === undefined) return;
  // Only a response header can be missing at run time; then the earlier value stays.
  const mayFail = action === 'set-var' && value.some((p) => typeof p !== 'string');
  scope.set(v.name, mayFail ? orElse(value, scope.get(v.name, d, what)) : value);
}
