import { formatHostPort } from '../../lib/address.js';
import { expandRange, isUnresolved, resolveHostPort } from './ldirectord-address.js';
import { ldirectordChecks, type CheckSettings } from './ldirectord-checks.js';
import { FORWARDING, type Ctx } from './ldirectord-context.js';
import { queryKey, RETRY_MS } from '../../lib/name-lookup.js';
import { SERVICE_PORTS } from './imported.js';
import { ldQuery } from './ldirectord-names.js';
import type { LdValue, LdVirtual } from './ldirectord-reader.js';
import { parseReal, realThresholds } from './ldirectord-real-line.js';
import { SERVICE_DEFAULT_PORT } from './ldirectord-services.js';

/**
 * _ld_read_config_real_resolve and add_real_server. A real server's check
 * goes where ld_checkport says: checkport, else the real's port, else the
 * service's well-known port. IPVS itself forwards DR and TUN traffic to the
 * virtual's port whatever the real's (ipvsadm sets the destination port to
 * the service's), so such a real is put in the pool on the virtual's port
 * and checked on its own.
 */
export async function buildReal(ctx: Ctx, v: LdVirtual, d: LdValue, settings: CheckSettings, protocol: string): Promise<Array<Record<string, unknown>>> {
  const { file, errors, warnings } = ctx;
  const error = (message: string) => void errors.push({ file, line: d.line, path: d.key, message });
  const r = parseReal(d.value);
  if (typeof r === 'string') return error(r), [];
  for (const t of realThresholds(d.value)) warnings.push(`${file}:${d.line}: ${t} connection thresholds are not set by rsguard`);
  let addresses: Array<{ host: string; port: number | undefined }>;
  const portPart = r.port === '0' ? '' : `:${r.port}`;
  if (r.ip2 !== undefined) {
    if (v.af === 6) return error('Address range for IPv6 is not supported yet'), [];
    const range = await expandRange(`${r.ip1}->${r.ip2}${portPart}`, 4, ctx.names);
    if (typeof range === 'string') return error(range), [];
    addresses = range;
  } else {
    const hp = await resolveHostPort(`${r.ip1}${portPart}`, v.af, ctx.names);
    // ldirectord refuses the whole file here (_ld_read_config_real_resolve: config_error "could not resolve host"), so one
    // server's missing DNS record keeps the director from starting. A failed lookup is the environment's fault, not the
    // file's and not the server's: rsguard starts with the others and asks the name again until it resolves (--strict refuses).
    if (isUnresolved(hp)) {
      const rport = /^\d+$/.test(r.port) ? Number(r.port) : (SERVICE_PORTS[r.port.toLowerCase()] ?? 0);
      ctx.unresolved.push({ virtual: v, name: hp.unresolved, port: pooledPort(protocol, FORWARDING[r.forward]!, rport, settings) ?? 0, lookup: queryKey(ldQuery(hp.unresolved, v.af)) });
      ctx.tolerated.push({ file, line: d.line, path: d.key, departs: true, message: `invalid address (${r.ip1}) for real server (could not resolve host: ${hp.why}): ldirectord refuses the file; rsguard leaves this server out of the pool and asks the name again every ${RETRY_MS / 1000} s, adding the server when it resolves` });
      return [];
    }
    if (typeof hp === 'string') return error(`invalid address (${r.ip1}) for real server: ${hp}`), [];
    addresses = [{ host: hp.host, port: hp.port }];
  }
  const forwarding = FORWARDING[r.forward]!;
  const ownReqRecv = r.request !== undefined ? { request: r.request, receive: r.receive! } : {};
  const cache = new Map<string, ReturnType<typeof ldirectordChecks>>();
  const checksFor = (port: number | undefined) => {
    const key = String(port);
    if (!cache.has(key)) cache.set(key, ldirectordChecks({ ...settings, ...ownReqRecv, servicePort: port }, { file, line: d.line }, errors, warnings));
    return cache.get(key)!;
  };
  const out: Array<Record<string, unknown>> = [];
  for (const { host, port } of addresses) {
    const rport = port ?? 0;
    const pooled = pooledPort(protocol, forwarding, rport, settings);
    if (protocol !== 'fwm' && forwarding !== 'nat' && rport && rport !== settings.vport) warnings.push(`${file}:${d.line}: ${r.forward} forwarding sends to the virtual's port ${settings.vport} (ipvsadm sets it so), not ${rport}: ldirectord checks ${rport}, and so does rsguard`);
    const checkPort = settings.checkport ?? (rport > 0 ? rport : SERVICE_DEFAULT_PORT[settings.service!]);
    const rs: Record<string, unknown> = { address: formatHostPort(host, pooled), weight: r.weight, forwarding };
    const needsOwn = r.request !== undefined || (settings.checkport === undefined && checkPort !== pooled);
    if (needsOwn) {
      const c = checksFor(settings.checkport === undefined ? checkPort : undefined);
      if (c !== 'off') rs.checks = c;
    }
    out.push(rs);
  }
  return out;
}

/** The port a real is put in the pool on: DR and TUN take the virtual's (ipvsadm sets it so), NAT its own; a fwmark service has none of its own. */
function pooledPort(protocol: string, forwarding: string, rport: number, settings: CheckSettings): number | undefined {
  if (protocol === 'fwm') return rport || undefined;
  return forwarding !== 'nat' && settings.vport !== undefined ? settings.vport : rport || settings.vport;
}
