/** The real= and fallback= values: their parts, with read_config's regular expressions. */

/** parse_fallback: `host[:port] [gate|masq|ipip]`; with no port, the virtual's (a global fallback takes each virtual's). */
export function parseFallback(text: string): { server: string; port: string | undefined; forward: string } | string {
  let parse = text;
  let fwd: string | undefined;
  const m = /(\S+)(\s+(\S+))?\s*$/.exec(parse);
  if (m) {
    fwd = m[3];
    parse = m[1]!;
  }
  const p = /(:(\d+|[A-Za-z0-9-_]+))?$/.exec(parse)!;
  const port = p[2];
  const server = parse.replace(/(:(\d+|[A-Za-z0-9-_]+))?$/, '');
  if (fwd && fwd !== 'gate' && fwd !== 'masq' && fwd !== 'ipip') return `forward method must be gate, masq or ipip, got ${JSON.stringify(fwd)}`;
  return { server, port, forward: fwd ?? 'gate' };
}

/** The real= parts _ld_read_config_real_resolve and add_real_server take out, with their regexes. */
export interface LdReal {
  ip1: string;
  ip2: string | undefined;
  port: string;
  forward: string;
  weight: number;
  request?: string;
  receive?: string;
}

export function parseReal(str: string): LdReal | string {
  const m = /(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+|\[[0-9A-fa-f:]+\])(->(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+|\[[0-9A-fa-f:]+\]))?(:(\d+|[A-Za-z0-9-_]+))?\s+([^\n]*)/.exec(str);
  if (!m) return `invalid address for real server (wrong format): ${JSON.stringify(str)}${/\s/.test(str) ? '' : ' (a forwarding method, gate, masq or ipip, must follow the address)'}`;
  let flags = m[6]!;
  const f = /(\w+)([^\n]*)/.exec(flags);
  if (!f || !['gate', 'masq', 'ipip'].includes(f[1]!)) return `forward method must be gate, masq or ipip, got ${JSON.stringify(flags)}`;
  const real: LdReal = { ip1: m[1]!, ip2: m[3], port: m[5] ?? '0', forward: f[1]!, weight: 1 };
  flags = f[2]!;
  let w: RegExpExecArray | null;
  if ((w = /\s+(\d+)([^\n]*)/.exec(flags))) {
    real.weight = Number(w[1]);
    flags = w[2]!;
  }
  if ((w = /\s+"([^\n]*)"[, ]\s*"([^\n]*)"([^\n]*)/.exec(flags))) {
    real.request = w[1]!.startsWith('/') ? w[1]! : `/${w[1]}`;
    real.receive = w[2]!;
    flags = w[3]!;
  }
  // l:N and u:N are ipvsadm's connection thresholds.
  if ((w = /\s+l:(\d+)([^\n]*)/.exec(flags))) flags = w[2]!;
  if ((w = /\s+u:(\d+)([^\n]*)/.exec(flags))) flags = w[2]!;
  if (/\S/.test(flags)) return `Invalid real server line, around ${JSON.stringify(flags)}`;
  return real;
}

/** The connection thresholds of a real= line, which rsguard does not set. */
export function realThresholds(str: string): string[] {
  return [...str.matchAll(/\s([lu]:\d+)/g)].map((x) => x[1]!);
}
