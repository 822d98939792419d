import type { TemplatePart } from '../../probes/http-header-rule.js';
import { Refused, Unsupported } from './haproxy-check-parse.js';
import { evalSample, parseSample, type CheckVars } from './haproxy-sample.js';

type At = { file: string; line: number };

/**
 * A log-format string of a check rule (`uri-lf`, `hdr` values, `body-lf`,
 * `send-lf`, `string-lf`, `name-lf`, `value-lf`, `set-var-fmt`), read as
 * parse_logformat_string does with no options: text as written (spaces
 * kept), `%%` for a percent sign, `%[expr]` for a sample. Log variables
 * (`%H`, `%ci`) and `%{...}` flags are refused naming them.
 */
export function parseLogFormat(fmt: string, d: At, what: string): Array<string | { expr: string }> {
  const out: Array<string | { expr: string }> = [];
  let text = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%') {
      text += c;
      continue;
    }
    const next = fmt[i + 1];
    if (next === '%') {
      text += '%';
      i++;
    } else if (next === '[') {
      let depth = 0;
      let j = i + 2;
      for (; j < fmt.length; j++) {
        if (fmt[j] === '(') depth++;
        else if (fmt[j] === ')') depth--;
        else if (fmt[j] === ']' && depth <= 0) break;
      }
      if (j >= fmt.length) throw new Refused(d, what, `${JSON.stringify(fmt)}: missing ']' after '%[' (HAProxy refuses it)`);
      if (text) out.push(text);
      text = '';
      out.push({ expr: fmt.slice(i + 2, j) });
      i = j;
    } else if (next === undefined) {
      throw new Refused(d, what, `${JSON.stringify(fmt)}: truncated after '%' (HAProxy refuses it; write %% for a percent sign)`);
    } else if (/[0-9 \t]/.test(next)) {
      throw new Refused(d, what, `${JSON.stringify(fmt)}: '%' followed by '${next}' (HAProxy refuses it; write %% for a percent sign)`);
    } else {
      const name = /^(\{[^}]*\})?[A-Za-z0-9]*/.exec(fmt.slice(i + 1))?.[0] ?? next;
      throw new Unsupported(d, `${what}: the log-format ${name.startsWith('{') ? 'flags' : 'variable'} %${name} in ${JSON.stringify(fmt)} (rsguard reads %[sample] with str, int, var, be_name, srv_name, res.hdr, res.fhdr)`, 'the value written out');
    }
  }
  if (text) out.push(text);
  return out;
}

/** Adjacent text joined, empty text dropped. */
export function joined(parts: readonly TemplatePart[]): TemplatePart[] {
  const out: TemplatePart[] = [];
  for (const p of parts) {
    if (p === '') continue;
    const last = out[out.length - 1];
    if (typeof p === 'string' && typeof last === 'string') out[out.length - 1] = last + p;
    else out.push(p);
  }
  return out;
}

/** The string at this point of the ruleset (sess_build_logline): a failed sample writes nothing. */
export function evalLogFormat(fmt: string, scope: CheckVars, d: At, what: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  for (const p of parseLogFormat(fmt, d, what)) {
    if (typeof p === 'string') parts.push(p);
    else parts.push(...(evalSample(parseSample(p.expr, d, what), scope, d, what) ?? []));
  }
  return joined(parts);
}

/** Text, when the parts hold no response header. */
export function textOf(parts: readonly TemplatePart[]): string | undefined {
  return parts.every((p) => typeof p === 'string') ? parts.join('') : undefined;
}

/** A log-format string that must be known at load (a request, a tcp-check): its text. */
export function staticLogFormat(fmt: string, scope: CheckVars, d: At, what: string): string {
  const parts = evalLogFormat(fmt, scope, d, what);
  const text = textOf(parts);
  if (text === undefined) throw new Unsupported(d, `${what} ${JSON.stringify(fmt)}: a response header read before the response`, 'the value written out');
  return text;
}
