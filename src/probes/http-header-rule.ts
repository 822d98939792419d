import { z } from 'zod';
import { fetchHeader, headerValues, type HeaderLine } from './http-headers.js';
import { compiled, regexError } from './regex-cache.js';

/**
 * A value read from the response of the check itself, as HAProxy's log-format
 * strings with `%[res.hdr(name)]` / `%[res.fhdr(name)]` are (its
 * `http-check expect hdr name-lf/value-lf`, `string-lf`): text, and header
 * values taken per check. A header that is not there gives `otherwise`
 * (default empty), as a variable set from it keeps its earlier value.
 */
export interface HeaderRef {
  header: string;
  /** The whole line (`res.fhdr`), else one comma-separated value (`res.hdr`). */
  full?: boolean | undefined;
  /** Which one: from the first (1) or from the last (-1, the default). */
  occurrence?: number | undefined;
  otherwise?: TemplatePart[] | undefined;
}
export type TemplatePart = string | HeaderRef;

const headerRef: z.ZodType<HeaderRef> = z.lazy(() =>
  z
    .object({
      header: z.string().min(1),
      full: z.boolean().optional(),
      occurrence: z.number().int().min(-10).refine((n) => n !== 0, 'count from 1 (first) or -1 (last)').optional(),
      otherwise: z.array(templatePart).optional(),
    })
    .strict(),
);
const templatePart: z.ZodType<TemplatePart> = z.union([z.string(), headerRef]);
export const template = z.array(templatePart).min(1);

/** A template's text for this response. */
export function render(parts: readonly TemplatePart[], lines: readonly HeaderLine[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else out += fetchHeader(lines, p.header, p.full ?? false, p.occurrence) ?? render(p.otherwise ?? [], lines);
  }
  return out;
}

const method = z.enum(['str', 'beg', 'end', 'sub', 'reg']);
type Method = z.output<typeof method>;

/**
 * HAProxy's `http-check expect [!] hdr|fhdr name [-m meth] <name> [value [-m meth] <value>]`
 * (tcpcheck_eval_expect_http): some header whose name matches has a value that
 * matches (any, without `value`). Names match without case (a name regex
 * too), values with case.
 */
export const headerMatch = z
  .object({
    name: z.union([z.string().min(1), template]),
    nameMatch: method.default('str'),
    value: z.union([z.string().min(1), template]).optional(),
    valueMatch: method.default('str'),
    /** Each header line whole (`fhdr`), else each comma-separated value (`hdr`). */
    full: z.boolean().default(false),
  })
  .strict()
  .superRefine((h, ctx) => {
    for (const [field, pattern, how] of [['name', h.name, h.nameMatch], ['value', h.value, h.valueMatch]] as const) {
      if (how !== 'reg' || pattern === undefined) continue;
      if (typeof pattern !== 'string') ctx.addIssue({ code: 'custom', path: [field], message: 'a template cannot be matched as a regex (HAProxy refuses -m reg with name-lf/value-lf)' });
      else {
        const err = regexError(pattern);
        if (err) ctx.addIssue({ code: 'custom', path: [field], message: `invalid regex: ${err}` });
      }
    }
  });
export type HeaderMatch = z.output<typeof headerMatch>;

function matcher(how: Method, pattern: string, caseless: boolean): (s: string) => boolean {
  if (how === 'reg') {
    const re = compiled(pattern, caseless ? 'i' : '');
    return (s) => re.test(s);
  }
  const p = caseless ? pattern.toLowerCase() : pattern;
  const fold = caseless ? (s: string) => s.toLowerCase() : (s: string) => s;
  switch (how) {
    case 'str':
      return (s) => fold(s) === p;
    case 'beg':
      return (s) => fold(s).startsWith(p);
    case 'end':
      return (s) => fold(s).endsWith(p);
    case 'sub':
      return (s) => fold(s).includes(p);
  }
}

/**
 * Whether the rule matches (before any `not`), or why it cannot be judged: a
 * template that comes out empty is an error in HAProxy whatever the negation
 * ("log-format string evaluated to an empty string").
 */
export function matchHeader(h: HeaderMatch, lines: readonly HeaderLine[]): { matched: boolean } | { error: string } {
  const name = typeof h.name === 'string' ? h.name : render(h.name, lines);
  if (!name) return { error: 'header name template evaluated to an empty string' };
  let value: string | undefined;
  if (h.value !== undefined) {
    value = typeof h.value === 'string' ? h.value : render(h.value, lines);
    if (!value) return { error: 'header value template evaluated to an empty string' };
  }
  const nameOk = matcher(h.nameMatch, name, true);
  const valueOk = value === undefined ? () => true : matcher(h.valueMatch, value, false);
  for (const v of headerValues(lines, nameOk, h.full || value === undefined)) if (valueOk(v)) return { matched: true };
  return { matched: false };
}

/** How the rule reads in a check's detail. */
export function describeHeader(h: HeaderMatch): string {
  const show = (p: string | readonly TemplatePart[]) => (typeof p === 'string' ? JSON.stringify(p) : 'template');
  return `${h.full ? 'fhdr' : 'hdr'} name ${h.nameMatch === 'str' ? '' : `-m ${h.nameMatch} `}${show(h.name)}${h.value === undefined ? '' : ` value ${h.valueMatch === 'str' ? '' : `-m ${h.valueMatch} `}${show(h.value)}`}`;
}
