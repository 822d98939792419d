/**
 * The condition of a `.if`/`.elif` line as HAProxy 2.6 evaluates it
 * (src/cfgcond.c cfg_eval_condition; configuration.txt 2.4): an empty
 * condition is false; a number is true unless zero; `!` negates; `&&` binds
 * tighter than `||`; parentheses group; predicates take their arguments in
 * parentheses, split on commas as make_arg_list() (src/arg.c) does.
 *
 * defined(), streq() and strneq() depend on the file and the environment and
 * are evaluated. feature(), version_atleast(), version_before(),
 * openssl_version_atleast(), openssl_version_before() and
 * ssllib_name_startswith() depend on the HAProxy binary that reads the file,
 * which rsguard cannot know: they are refused naming the predicate.
 */
export type CondResult = { value: boolean; error?: undefined } | { value?: undefined; error: string };

/** Predicates HAProxy 2.6 knows (cond_predicates[]) and how many arguments each takes. */
const PREDICATES: Record<string, number> = {
  defined: 1,
  feature: 1,
  streq: 2,
  strneq: 2,
  version_atleast: 1,
  version_before: 1,
  openssl_version_atleast: 1,
  openssl_version_before: 1,
  ssllib_name_startswith: 1,
};

class CondError extends Error {}

export function evalHaproxyCondition(text: string, env: Readonly<Record<string, string | undefined>>): CondResult {
  if (!text) return { value: false };
  let i = 0;
  const skip = () => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  const fail = (msg: string): never => {
    throw new CondError(msg);
  };

  // make_arg_list(): quotes group, `\\`, `\ `, `\"`, `\'`, `\r`, `\n`, `\t` escape; `,` and `)` end an argument.
  const args = (pred: string): string[] => {
    const out: string[] = [];
    if (text[i] !== '(') fail(`missing arguments (${PREDICATES[pred]} expected) in predicate '${pred}'`);
    i++;
    for (;;) {
      let cur = '';
      let sq = false;
      let dq = false;
      while (i < text.length) {
        const c = text[i]!;
        if (c === '"' && !sq) dq = !dq;
        else if (c === "'" && !dq) sq = !sq;
        else if (c === '\\' && !sq && i + 1 < text.length) {
          const n = text[i + 1]!;
          if ('\\ "\''.includes(n)) cur += n, i++;
          else if (n === 'r' || n === 'n' || n === 't') cur += n === 'r' ? '\r' : n === 'n' ? '\n' : '\t', i++;
          else cur += c;
        } else if (!sq && !dq && (c === ',' || c === ')')) break;
        else cur += c;
        i++;
      }
      out.push(cur);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] !== ')') fail(`missing closing ')' after arguments of predicate '${pred}'`);
      i++;
      break;
    }
    if (out.length !== PREDICATES[pred]) fail(`predicate '${pred}' expects ${PREDICATES[pred]} argument(s), got ${out.length}`);
    return out;
  };

  // Parsed whole first, then evaluated with short circuits, as cfg_eval_condition() does:
  // `defined(X) || feature(OPENSSL)` never asks about the feature when X is set.
  type Thunk = () => boolean;
  const term = (): Thunk => {
    skip();
    let neg = false;
    while (text[i] === '!') {
      neg = !neg;
      i++;
      skip();
    }
    let value: Thunk;
    // strtol(in, &end, 0): an optional sign, then decimal, 0x hex or 0 octal.
    const num = /^[ \t]*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      const n = num[1]!;
      const v = Number.parseInt(n, /^0[xX]/.test(n) ? 16 : n.startsWith('0') ? 8 : 10) !== 0;
      value = () => v;
    } else if (text[i] === '(') {
      i++;
      skip();
      value = expr();
      skip();
      if (text[i] !== ')') fail(`expected ')' after conditional expression '${text}'`);
      i++;
      skip();
    } else {
      const word = /^[^ (]*/.exec(text.slice(i))![0];
      if (!(word in PREDICATES)) fail(`unparsable conditional expression '${text.slice(i)}'`);
      i += word.length;
      const a = args(word);
      if (word === 'defined') value = () => env[a[0]!] !== undefined;
      else if (word === 'streq') value = () => a[0] === a[1];
      else if (word === 'strneq') value = () => a[0] !== a[1];
      else value = () => fail(`${word}(${a.join(',')}) depends on the HAProxy binary that reads this file, which rsguard cannot know`);
    }
    return neg ? () => !value() : value;
  };
  // `a && b && c` and `a || b`: operands read left to right, evaluated lazily (&& binds tighter, as in cfgcond.c).
  const chain = (op: '&' | '|', operand: () => Thunk): Thunk => {
    const parts = [operand()];
    skip();
    while (text[i] === op && text[i + 1] === op) {
      i += 2;
      skip();
      parts.push(operand());
      skip();
    }
    return op === '&' ? () => parts.every((t) => t()) : () => parts.some((t) => t());
  };
  const and = (): Thunk => chain('&', term);
  const expr = (): Thunk => chain('|', and);
  try {
    const parsed = expr();
    skip();
    if (i < text.length) return { error: `unexpected character '${text[i]}' at the end of conditional expression '${text}'` };
    return { value: parsed() };
  } catch (err) {
    if (err instanceof CondError) return { error: err.message };
    throw err;
  }
}
