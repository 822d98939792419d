import net from 'node:net';
import { formatHostPort, parseHostPort } from '../lib/address.js';
import type { Socks4Via } from '../lib/socks4.js';
import { probeFor } from '../probes/registry.js';
import type { ProbeTarget } from '../probes/types.js';
import type { PathSegment } from './errors.js';
import type { CheckDef, Timing } from '../model/model.js';
import { TIMING_DEFAULTS, type CheckInput, type TimingInput } from './schema.js';
import { stableId } from '../model/stable-id.js';

export interface PathIssue {
  path: PathSegment[];
  message: string;
}

const TIMING_KEYS = ['interval', 'timeout', 'retryInterval', 'fall', 'rise', 'window', 'alpha', 'flap'] as const;

/** Later layers win: global defaults, then virtual service, real server, check. */
function resolveTiming(layers: Array<Partial<TimingInput> | undefined>): Timing {
  const t: Timing = { ...TIMING_DEFAULTS, flap: { ...TIMING_DEFAULTS.flap } };
  for (const layer of layers) {
    if (!layer) continue;
    if (layer.interval !== undefined) t.intervalMs = layer.interval;
    if (layer.timeout !== undefined) t.timeoutMs = layer.timeout;
    if (layer.retryInterval !== undefined) t.retryIntervalMs = layer.retryInterval;
    if (layer.fall !== undefined) t.fall = layer.fall;
    if (layer.rise !== undefined) t.rise = layer.rise;
    if (layer.window !== undefined) t.window = layer.window;
    if (layer.alpha !== undefined) t.alpha = layer.alpha;
    if (layer.flap !== undefined) t.flap = layer.flap === false ? null : layer.flap;
  }
  return t;
}

export function pickTiming(obj: Record<string, unknown>): Partial<TimingInput> {
  const out: Record<string, unknown> = {};
  for (const k of TIMING_KEYS) if (obj[k] !== undefined) out[k] = obj[k];
  return out as Partial<TimingInput>;
}

function checkLabel(kind: string, spec: Record<string, unknown>, target: ProbeTarget, ownHost: boolean): string {
  switch (kind) {
    case 'http':
    case 'https':
      return `${kind} ${String(spec.method)} ${String(spec.path)}`;
    case 'fpm':
      return spec.ping === false ? `fpm ${String(spec.statusPath)}` : `fpm ${String(spec.path)}`;
    case 'exec':
      return `exec ${String((spec.command as string[])[0])}`;
    case 'icmp':
      return 'icmp';
    case 'file':
      return `file ${String(spec.path)}`;
    case 'dns':
      return `dns ${String(spec.query)} ${String(spec.type)}`;
    default:
      // A check aimed elsewhere (keepalived connect_ip, SMTP_CHECK host{}) says where.
      return ownHost ? `${kind} ${formatHostPort(target.host, target.port)}` : `${kind} ${target.port}`;
  }
}

/** One check of one server (real or sorry) in the model; identical checks share one id. */
function addCheck(
  check: CheckInput,
  rs: { host: string; port: number; vip: string | undefined; vport: number | undefined },
  layers: Array<Partial<TimingInput>>,
  checks: Map<string, CheckDef>,
  path: PathSegment[],
  issues: PathIssue[],
  tlsCa: string | undefined,
): string | undefined {
  const probe = probeFor(check.kind)!;
  const { kind, host, port, name, socks4, ...rest } = check as CheckInput & Record<string, unknown>;
  const spec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (!(TIMING_KEYS as readonly string[]).includes(k)) spec[k] = v;
  // global.tlsCa is the default of every kind that speaks TLS (those whose spec has tlsCa).
  if (tlsCa !== undefined && spec.tlsCa === undefined && 'tlsCa' in probe.spec.shape && (probe.speaksTls?.(spec) ?? true)) spec.tlsCa = tlsCa;
  const connectHost = host ?? rs.host;
  if (host !== undefined && typeof parseHostPort(host) === 'string') {
    issues.push({ path: [...path, 'host'], message: `expected an IP address, got ${JSON.stringify(host)}` });
    return undefined;
  }
  const target: ProbeTarget = { host: connectHost, port: port ?? rs.port };
  if (socks4 !== undefined) {
    // Every place the check connects to goes through the proxy: its target and its connect steps' hosts.
    const steps = Array.isArray(spec.steps) ? (spec.steps as Array<{ host?: string }>).flatMap((st) => (st.host ? [st.host] : [])) : [];
    const via = socks4Via(socks4 as CheckInput['socks4'] & {}, kind, probe.socks4 === true, [connectHost, ...steps]);
    if (typeof via === 'string') {
      issues.push({ path: [...path, 'socks4'], message: via });
      return undefined;
    }
    target.socks4 = via;
  }
  if (target.port === 0 && !probe.portless) {
    issues.push({ path, message: `the real server has no port (fwmark or port-0 service): give this ${kind} check a port (keepalived connect_port, ldirectord checkport)` });
    return undefined;
  }
  if (probe.usesVirtual) {
    if (rs.vip !== undefined) target.vip = rs.vip;
    if (rs.vport !== undefined) target.vport = rs.vport;
  }
  if (probe.portless) target.port = port ?? rs.port;
  const timing = resolveTiming(layers);
  const id = stableId({ kind, target, spec, timing });
  if (!checks.has(id)) checks.set(id, { id, identity: stableId({ kind, target, spec }), kind, label: (name as string | undefined) ?? checkLabel(kind, spec, target, host !== undefined), target, spec, timing });
  return id;
}

/** A server's checks, each under the timing layers above it (`layers`, then the check's own); their ids, each once. */
export function addChecks(
  inputs: CheckInput[],
  server: { host: string; port: number; vip: string | undefined; vport: number | undefined },
  layers: Array<Partial<TimingInput>>,
  checks: Map<string, CheckDef>,
  path: PathSegment[],
  issues: PathIssue[],
  tlsCa: string | undefined,
): string[] {
  const ids: string[] = [];
  inputs.forEach((check, ci) => {
    const id = addCheck(check, server, [...layers, pickTiming(check)], checks, [...path, ci], issues, tlsCa);
    if (id && !ids.includes(id)) ids.push(id);
  });
  // A copy of exact length: the array pushed into holds room for 17 (0.2 KB), and there is one per real server.
  return ids.slice();
}

/** A check's `socks4`: the proxy, for a kind whose connections can all go through it, to an IPv4 server (SOCKS4 carries no other). */
function socks4Via(v: string | { address: string; userId: string }, kind: string, supported: boolean, dests: string[]): Socks4Via | string {
  if (!supported) return `a ${kind} check cannot go through a SOCKS4 proxy (tcp, http, https, smtp, pop, imap, nntp and agent checks can)`;
  const { address, userId } = typeof v === 'string' ? { address: v, userId: '' } : v;
  const hp = parseHostPort(address);
  if (typeof hp === 'string' || hp.port === undefined) return `expected the proxy's IP:PORT, got ${JSON.stringify(address)}`;
  const v6 = dests.find((d) => !net.isIPv4(d));
  if (v6 !== undefined) return `SOCKS4 carries IPv4 destinations only, and this check connects to ${v6}`;
  return { host: hp.host, port: hp.port, userId };
}
