import type { TemplatePart } from '../../probes/http-header-rule.js';
import { Refused, Unsupported } from './haproxy-check-parse.js';

/**
 * The part of HAProxy's sample expressions a check's rules can use here
 * (configuration.txt 7.3): `str()`, `int()`, `var()`, `be_name`, `srv_name`,
 * and in http-check `res.hdr()` / `res.fhdr()` of the response being judged.
 * Everything but the response headers is known at load, so it is folded
 * into text; a response header stays a reference the http probe reads per
 * check. Anything else is refused naming the fetch and its line.
 */

/** A value: parts to join, or undefined when the fetch fails (an unset variable, a response not yet read). */
export type Sample = TemplatePart[] | undefined;

type At = { file: string; line: number };

/** The variables and context of one check's ruleset as HAProxy runs it in order (tcpcheck_main). */
export class CheckVars {
  private readonly vars = new Map<string, { value: TemplatePart[]; conn: number }>();
  /** Bumped at each connect and send: HAProxy empties its input buffer at both. */
  private conn = 0;
  /** A reply has been read since the last connect or send (an expect has run). */
  private replied = false;

  constructor(
    readonly http: boolean,
    readonly beName: string,
    readonly srvName: string,
  ) {}

  /** A connect or send: what was read is gone. */
  released(): void {
    this.conn++;
    this.replied = false;
  }

  /** An expect reads the reply before it judges. */
  read(): void {
    this.replied = true;
  }

  get hasReply(): boolean {
    return this.replied;
  }

  get(name: string, d: At, what: string): Sample {
    const v = this.vars.get(name);
    if (!v) return undefined;
    if (v.conn !== this.conn && v.value.some((p) => typeof p !== 'string')) {
      throw new Unsupported(d, `${what}: var(${name}) holds a response header of an earlier connection, and each connection of an http-check sequence is a check of its own here`, 'the rule without it');
    }
    return v.value;
  }

  set(name: string, value: TemplatePart[]): void {
    this.vars.set(name, { value, conn: this.conn });
  }

  unset(name: string): void {
    this.vars.delete(name);
  }
}

/** `scope.name` as vars_hash_name accepts it; the scopes a check has a store for (get_vars: a check has no stream). */
export function varName(raw: string, d: At, what: string): { name: string; stored: boolean } {
  const m = /^(proc|sess|txn|req|res|check)\.(.+)$/.exec(raw);
  if (!m) throw new Refused(d, what, `invalid variable name '${raw}': it must start with its scope, 'proc', 'sess', 'txn', 'req', 'res' or 'check' (HAProxy refuses it)`);
  if (!/^[A-Za-z0-9_.]+$/.test(m[2]!)) throw new Refused(d, what, `invalid variable name '${raw}' (HAProxy refuses it)`);
  if (m[1] === 'proc') throw new Unsupported(d, `${what}: proc.${m[2]} (a variable shared with the whole HAProxy process)`, 'the rule with the value written out');
  // txn, req and res live in a stream, which a check does not have: setting one does nothing, reading one fails.
  return { name: raw, stored: m[1] === 'check' || m[1] === 'sess' };
}

interface Fetch {
  fn: string;
  args: string[];
}

/** `fetch[(args)]`, without converters. */
export function parseSample(expr: string, d: At, what: string): Fetch {
  const m = /^([A-Za-z_][\w.]*)(?:\(([^()]*)\))?(.*)$/s.exec(expr.trim());
  if (!m) throw new Unsupported(d, `${what}: the sample expression ${JSON.stringify(expr)}`, 'the rule with the value written out');
  const [, fn, args, rest] = m;
  if (rest) {
    const conv = /^\s*,\s*([\w.-]+)/.exec(rest)?.[1];
    throw new Unsupported(d, `${what}: ${conv ? `the converter "${conv}" in` : 'the sample expression'} ${JSON.stringify(expr)} (rsguard reads str, int, var, be_name, srv_name, res.hdr and res.fhdr, without converters)`, 'the rule with the value written out');
  }
  if (args !== undefined && /["'\\]/.test(args)) throw new Unsupported(d, `${what}: quoted or escaped sample arguments in ${JSON.stringify(expr)}`, 'the rule with the value written out');
  return { fn: fn!, args: args === undefined ? [] : args.split(',') };
}

function oneArg(f: Fetch, d: At, what: string): string {
  // HAProxy takes `str()` (empty) and a bare `str`, whose value rsguard does not vouch for; it refuses `int()`.
  if (f.args.length === 0 || f.args.length > 1) throw new Unsupported(d, `${what}: ${f.fn} ${f.args.length ? 'with several arguments' : 'without its argument'}`, 'the rule with the value written out');
  if (f.fn === 'int' && f.args[0] === '') throw new Refused(d, what, 'int() expects an integer (HAProxy refuses it)');
  return f.args[0]!;
}

/** What the fetch gives at this point of the ruleset (sample_process on the check's session). */
export function evalSample(f: Fetch, scope: CheckVars, d: At, what: string): Sample {
  switch (f.fn) {
    case 'str':
      return [oneArg(f, d, what)];
    case 'int': {
      const n = oneArg(f, d, what);
      if (!/^[-+]?\d+$/.test(n)) throw new Refused(d, what, `int(${n}): expected an integer (HAProxy refuses it)`);
      return [String(BigInt(n.replace(/^\+/, '')))];
    }
    case 'be_name':
    case 'srv_name':
      if (f.args.length) throw new Refused(d, what, `${f.fn} takes no argument (HAProxy refuses it)`);
      return [f.fn === 'be_name' ? scope.beName : scope.srvName];
    case 'var': {
      if (f.args.length !== 1) throw new Unsupported(d, `${what}: var() with a default value`, 'the rule with the value written out');
      const v = varName(f.args[0]!, d, what);
      return v.stored ? scope.get(v.name, d, what) : undefined;
    }
    case 'res.hdr':
    case 'res.fhdr': {
      if (!scope.http) throw new Unsupported(d, `${what}: ${f.fn}() in a tcp-check (it reads HTTP headers)`, 'the rule with the value written out');
      const [name, occ, ...more] = f.args;
      if (!name || more.length) throw new Unsupported(d, `${what}: ${f.fn}() without exactly a header name and an optional occurrence`, 'the rule with the value written out');
      if (occ !== undefined && !/^-?\d+$/.test(occ)) throw new Refused(d, what, `${f.fn}(${f.args.join(',')}): the occurrence must be an integer (HAProxy refuses it)`);
      // No reply in the buffer yet (smp_prefetch_htx on an empty buffer): the fetch fails.
      if (!scope.hasReply) return undefined;
      const n = occ === undefined ? 0 : Number(occ);
      return [{ header: name, ...(f.fn === 'res.fhdr' ? { full: true } : {}), ...(n !== 0 && n !== -1 ? { occurrence: n } : {}) }];
    }
    default:
      throw new Unsupported(d, `${what}: the sample fetch "${f.fn}" (rsguard reads str, int, var, be_name, srv_name, res.hdr and res.fhdr)`, 'the rule with the value written out');
  }
}

/**
 * A sample that may fail at run time (a header that is not there) falls back
 * to `earlier`, as set-var leaves a variable as it was when its expression
 * fails (action_store).
 */
export function orElse(value: TemplatePart[], earlier: TemplatePart[] | undefined): TemplatePart[] {
  const [only] = value;
  if (value.length !== 1 || only === undefined || typeof only === 'string') return value;
  const otherwise = only.otherwise === undefined ? earlier : orElse(only.otherwise, earlier);
  const { otherwise: _drop, ...ref } = only;
  void _drop;
  return [otherwise === undefined ? ref : { ...ref, otherwise }];
}
