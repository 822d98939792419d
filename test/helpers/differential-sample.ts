/**
 * A string a check's regex matches, for the differential IPVS test's
 * listeners (test/vm/differential-scenario.ts), which must answer what each
 * check expects: the receive strings of real configs (`OK`, `^Test Page$`,
 * `Welcome\.`, `OK web[0-9]+`, `(UP|OK)`). Each atom once (a class gives its
 * first member, `\d` a digit, `.` an x), a group its first alternative,
 * `*`, `?` and `{0,n}` atoms left out, `{n}` n times. The result is checked
 * against the regex; where it does not match (a look-around, a negated
 * class), the text with anchors, `.*` and escapes removed.
 */
export function sampleOf(regex: string): string {
  const plain = regex.replace(/^\^|\$$/g, '').replace(/\.\*/g, '').replace(/\\(.)/g, '$1');
  try {
    const sample = new Sampler(regex).alternative();
    if (new RegExp(regex).test(sample)) return sample;
  } catch {
    // Not a regex JavaScript reads: the plain text.
  }
  return plain;
}

const ESCAPES: Record<string, string> = { d: '0', w: 'a', s: ' ', n: '\n', t: '\t', r: '\r' };

class Sampler {
  private i = 0;
  constructor(private readonly re: string) {}

  /** One alternative, up to the `|` or `)` that ends it. */
  alternative(): string {
    let out = '';
    while (this.i < this.re.length && this.re[this.i] !== '|' && this.re[this.i] !== ')') {
      const atom = this.atom();
      const q = /^(?:[*?+]|\{(\d+)(?:,\d*)?\})\??/.exec(this.re.slice(this.i));
      if (q) this.i += q[0].length;
      if (!q || q[0][0] === '+') out += atom;
      else if (q[1] !== undefined) out += atom.repeat(Number(q[1]));
    }
    return out;
  }

  private atom(): string {
    const c = this.re[this.i++]!;
    if (c === '^' || c === '$') return '';
    if (c === '.') return 'x';
    if (c === '\\') return this.escaped(this.re[this.i++] ?? '');
    if (c === '[') {
      const end = this.re.indexOf(']', this.i + 1);
      if (end < 0) throw new Error('unclosed class');
      const body = this.re.slice(this.i, end);
      this.i = end + 1;
      return body[0] === '\\' ? this.escaped(body[1] ?? '') : body[0]!;
    }
    if (c === '(') {
      if (this.re.startsWith('?:', this.i)) this.i += 2;
      const first = this.alternative();
      // The other alternatives are skipped: the first one is enough.
      for (let depth = 0; this.i < this.re.length && !(depth === 0 && this.re[this.i] === ')'); this.i++) depth += this.re[this.i] === '(' ? 1 : this.re[this.i] === ')' ? -1 : 0;
      this.i++;
      return first;
    }
    return c;
  }

  private escaped(c: string): string {
    return ESCAPES[c] ?? c;
  }
}
