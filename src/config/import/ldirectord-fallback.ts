import { resolveHostPort, unresolvedAsError } from './ldirectord-address.js';
import type { Ctx, ResolvedFallback } from './ldirectord-context.js';
import type { LdValue } from './ldirectord-reader.js';
import { commentHint } from './ldirectord-read-values.js';
import { parseFallback } from './ldirectord-real-line.js';

/** _ld_read_config_fallback_resolve: the host must resolve in the virtual's family; a port (0 is none) is a number or a service name. */
export async function resolveFallback(ctx: Ctx, d: LdValue, af: 4 | 6, vport: string | undefined): Promise<ResolvedFallback | undefined> {
  const error = (message: string) => void ctx.errors.push({ file: ctx.file, line: d.line, path: d.key, message });
  const f = parseFallback(d.value);
  if (typeof f === 'string') return error(`${f}${commentHint(d.value)}`);
  const port = f.port ?? vport;
  const hp = unresolvedAsError(await resolveHostPort(f.server.replace(/^\[(.*)\]$/, '$1'), af, ctx.names));
  if (typeof hp === 'string') return error(`invalid IPv${af} address or could not resolve for fallback server: ${hp}`);
  if (hp.port !== undefined) return error(`invalid fallback server ${JSON.stringify(d.value)}`);
  let n: number | undefined;
  if (port && port !== '0') {
    const p = unresolvedAsError(await resolveHostPort(`${hp.family === 6 ? `[${hp.host}]` : hp.host}:${port}`, af, ctx.names));
    if (typeof p === 'string') return error(`invalid port for fallback server: ${p}`);
    n = p.port;
  }
  return { host: hp.host, port: n, forward: f.forward, at: d };
}
