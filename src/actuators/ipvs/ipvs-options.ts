import { z } from 'zod';
import type { RealServerDef, VirtualServiceDef } from '../../model/model.js';

/**
 * The IPVS service and destination options beyond scheduler and persistence
 * (keepalived's `ops`, `sh-port`..., `uthreshold`/`lthreshold`): their
 * config keys, and the one form the diff compares (kernel bits, numbers).
 *
 * The scheduler flags are three kernel bits whose names depend on the
 * scheduler (include/uapi/linux/ip_vs.h): bit 1 is sh-fallback under sh,
 * mh-fallback under mh and flag-1 elsewhere. Compared as bits, named the way
 * ipvsadm prints them for the service's scheduler.
 */
export const SCHED_FLAG_NAMES = ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port', 'flag-1', 'flag-2', 'flag-3'] as const;
export type SchedFlagName = (typeof SCHED_FLAG_NAMES)[number];

const BIT: Record<SchedFlagName, number> = { 'flag-1': 0x08, 'sh-fallback': 0x08, 'mh-fallback': 0x08, 'flag-2': 0x10, 'sh-port': 0x10, 'mh-port': 0x10, 'flag-3': 0x20 };
/** ipvsadm.c print_sched_flags: the names it prints for each bit, per scheduler. */
const NAMES: Record<string, [string, string, string]> = { sh: ['sh-fallback', 'sh-port', 'flag-3'], mh: ['mh-fallback', 'mh-port', 'flag-3'] };
const GENERIC: [string, string, string] = ['flag-1', 'flag-2', 'flag-3'];

/** ipvsadm takes -x/-y up to INT_MAX (string_to_number(optarg, 0, INT_MAX)); the kernel field is wider, ipvsadm is the way in. */
export const IPVS_MAX_THRESHOLD = 2147483647;

export const ipvsServiceFields = {
  ipvs: z
    .object({
      /** One-packet scheduling (`ipvsadm -o`, keepalived `ops`): every UDP datagram is scheduled on its own (DNS over UDP). */
      onePacket: z.boolean().default(false),
      /** Scheduler flags (`ipvsadm -b`): sh-port and sh-fallback need scheduler sh, mh-port and mh-fallback scheduler mh; flag-1..3 are the raw bits. */
      schedulerFlags: z.array(z.enum(SCHED_FLAG_NAMES)).default([]),
    })
    .strict()
    .optional(),
};

const threshold = z.number().int().min(0).max(IPVS_MAX_THRESHOLD);
export const ipvsServerFields = {
  ipvs: z
    .object({
      /** Connections above which the kernel stops sending new ones to this server (`ipvsadm -x`, keepalived `uthreshold`); 0 is no limit. */
      upperThreshold: threshold.default(0),
      /** Once over the upper threshold, the server takes new connections again below this many (`ipvsadm -y`, keepalived `lthreshold`); 0: below the upper one. */
      lowerThreshold: threshold.default(0),
    })
    .strict()
    .optional(),
};

export interface ServiceOptions {
  onePacket: boolean;
  /** Kernel bits IP_VS_SVC_F_SCHED1..3 (0x08, 0x10, 0x20). */
  flags: number;
}

export interface ServerOptions {
  upperThreshold: number;
  lowerThreshold: number;
}

export function flagBits(names: readonly string[]): number {
  let bits = 0;
  for (const n of names) bits |= BIT[n as SchedFlagName] ?? 0;
  return bits;
}

/** The `-b` value for these bits under this scheduler, as ipvsadm prints it ('' for none). */
export function flagNames(bits: number, scheduler: string): string {
  const names = NAMES[scheduler] ?? GENERIC;
  return [0x08, 0x10, 0x20].flatMap((b, i) => (bits & b ? [names[i]!] : [])).join(',');
}

/** Reads ipvsadm's `-b` list back into bits; a name it would not print is an error of the reader, not a flag. */
export function parseFlagList(list: string): number | string {
  let bits = 0;
  for (const n of list.split(',')) {
    const b = BIT[n as SchedFlagName];
    if (b === undefined) return `unknown scheduler flag ${JSON.stringify(n)}`;
    bits |= b;
  }
  return bits;
}

export function serviceOptions(vs: Pick<VirtualServiceDef, 'balancerOptions'>): ServiceOptions {
  const o = vs.balancerOptions?.ipvs as { onePacket?: boolean; schedulerFlags?: string[] } | undefined;
  return { onePacket: o?.onePacket ?? false, flags: flagBits(o?.schedulerFlags ?? []) };
}

export function serverOptions(rs: Pick<RealServerDef, 'balancerOptions'> | undefined): ServerOptions {
  const o = rs?.balancerOptions?.ipvs as Partial<ServerOptions> | undefined;
  return { upperThreshold: o?.upperThreshold ?? 0, lowerThreshold: o?.lowerThreshold ?? 0 };
}

/**
 * What ipvsadm or the kernel would refuse at every reconcile, said at load
 * with the directive instead: sh-* flags need sh and mh-* flags mh
 * (`incompatible scheduler flag`), one-packet scheduling needs UDP, and a
 * lower threshold above the upper one (0 when unset) makes the kernel
 * refuse the server (ERANGE).
 */
export function optionProblems(vs: Pick<VirtualServiceDef, 'scheduler' | 'protocol' | 'balancerOptions' | 'realServers'>): string[] {
  const out: string[] = [];
  const o = vs.balancerOptions?.ipvs as { schedulerFlags?: string[]; onePacket?: boolean } | undefined;
  // ipvsadm: "One-Packet Scheduling is only for UDP virtual services" (a firewall mark may carry UDP: allowed).
  if (o?.onePacket && (vs.protocol === 'tcp' || vs.protocol === 'sctp')) out.push(`ipvs.onePacket: one-packet scheduling is for UDP services (and firewall marks); this one is ${vs.protocol}`);
  for (const f of o?.schedulerFlags ?? []) {
    const needs = f.startsWith('sh-') ? 'sh' : f.startsWith('mh-') ? 'mh' : undefined;
    if (needs && vs.scheduler !== needs) out.push(`ipvs.schedulerFlags: ${f} applies to scheduler ${needs} only (this service uses ${vs.scheduler}); use flag-${f.endsWith('fallback') ? 1 : 2} for the raw bit`);
  }
  for (const rs of vs.realServers) {
    const s = serverOptions(rs);
    if (s.lowerThreshold > s.upperThreshold) out.push(`real server ${rs.key}: ipvs.lowerThreshold ${s.lowerThreshold} is above ipvs.upperThreshold ${s.upperThreshold} (the kernel refuses the server: ERANGE)`);
  }
  return out;
}
