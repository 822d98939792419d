import type { BalancerNote, LeftAlone } from '../actuator.js';

/** The log lines for what a service keeps that rsguard did not put there: one per foreign member and per setting left as found. */
export function leftAloneNotes(vsName: string, found: LeftAlone | undefined): BalancerNote[] {
  if (!found) return [];
  return [
    ...found.foreign.map((f) => ({ vs: vsName, member: f.server, message: `${f.server} is in the IPVS table but not in the config and rsguard did not add it: left in place (foreignServers: keep)` })),
    ...found.settings.map((s) => ({ vs: vsName, message: `the service was in the IPVS table before rsguard: its ${s} is left as found (foreignServers: keep)` })),
  ];
}
