import { passiveOf } from '../actuators/haproxy/passive-spec.js';
import type { PathIssue } from './build-check.js';
import type { CheckDef, VirtualServiceDef } from '../model/model.js';
import type { ConfigInput } from './schema.js';

/**
 * Passive health is read from HAProxy's counters and acts on the server's
 * active checks: refused with another balancer (there are no counters to
 * read), on a server that tracks another, and on one with no active check of
 * its own to bring it back once its errors took it down.
 */
export function passiveIssues(input: ConfigInput, built: ReadonlyMap<VirtualServiceDef, number>, checks: ReadonlyMap<string, CheckDef>): PathIssue[] {
  const issues: PathIssue[] = [];
  const kind = input.balancer.kind;
  input.virtualServices.forEach((vs, vi) => {
    const own = (vs as { haproxy?: { passive?: unknown } }).haproxy?.passive;
    if (kind !== 'haproxy' && own !== undefined) issues.push({ path: ['virtualServices', vi, 'haproxy', 'passive'], message: `passive health reads HAProxy's error counters: only with balancer haproxy (this config's balancer is ${kind})` });
    vs.realServers.forEach((rs, ri) => {
      const path = ['virtualServices', vi, 'realServers', ri, 'haproxyPassive'];
      const mine = (rs as { haproxyPassive?: { observe?: string } }).haproxyPassive;
      if (kind !== 'haproxy' && mine !== undefined) issues.push({ path, message: `passive health reads HAProxy's error counters: only with balancer haproxy (this config's balancer is ${kind})` });
    });
  });
  if (kind !== 'haproxy') return issues;
  for (const [vs, vi] of built) {
    const given = inputServers(input, vi);
    vs.realServers.forEach((rs, ri) => {
      if (!passiveOf(vs, rs)) return;
      const where = given[ri]?.haproxyPassive !== undefined ? ['virtualServices', vi, 'realServers', ri, 'haproxyPassive'] : ['virtualServices', vi, 'haproxy', 'passive'];
      const server = `server ${rs.key}`;
      if (given[ri]?.track) issues.push({ path: where, message: `${server} tracks another: passive health needs a server with active checks of its own (set observe: none on it)` });
      else if (!rs.checkIds.some((id) => checks.get(id)?.kind !== 'agent')) {
        issues.push({ path: where, message: `${server} has no active check: passive health takes it down, only its active checks can bring it back (give it a check, or observe: none)` });
      }
    });
  }
  return issues;
}

function inputServers(input: ConfigInput, vi: number): Array<{ haproxyPassive?: unknown; track?: unknown }> {
  return (input.virtualServices[vi]?.realServers ?? []) as Array<{ haproxyPassive?: unknown; track?: unknown }>;
}
