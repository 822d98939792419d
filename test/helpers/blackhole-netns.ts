import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

/**
 * A network namespace joined to the host by a veth pair, whose address
 * silently drops everything: it has no route back, so SYNs and echo requests
 * arrive and are never answered. Probes against it must time out, not be
 * refused. Traffic never leaves this machine.
 */
export interface Blackhole {
  address: string;
  close(): void;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

/**
 * Two test files running at once (scripts/test-all.ts) may each make one: an
 * octet another blackhole's route holds is skipped, and a name or route taken
 * between the look and the add (the other file was quicker) is tried again
 * with a new id and octet.
 */
export function createBlackhole(): Blackhole {
  for (let attempt = 1; ; attempt++) {
    const inUse = new Set([...ip('route', 'show').matchAll(/^10\.251\.(\d+)\.2 /gm)].map((m) => Number(m[1])));
    let octet = randomInt(1, 250);
    while (inUse.has(octet)) octet = randomInt(1, 250);
    try {
      return makeBlackhole(randomInt(1000, 9999), octet);
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}

function makeBlackhole(id: number, octet: number): Blackhole {
  const ns = `rsgbh${id}`;
  const host = `rsgh${id}`;
  const peer = `rsgn${id}`;
  const address = `10.251.${octet}.2`;
  ip('netns', 'add', ns);
  try {
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', ns);
    ip('addr', 'add', `10.251.${octet}.1/32`, 'dev', host);
    ip('link', 'set', host, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', `${address}/32`, 'dev', peer);
    ip('-n', ns, 'link', 'set', peer, 'up');
    ip('route', 'add', `${address}/32`, 'dev', host);
    const mac = ip('-n', ns, '-br', 'link', 'show', peer).trim().split(/\s+/)[2]!;
    // A permanent neighbour entry: without it the host would wait on ARP and report "unreachable", not a timeout.
    ip('neigh', 'replace', address, 'lladdr', mac, 'dev', host, 'nud', 'permanent');
  } catch (err) {
    ip('netns', 'del', ns);
    throw err;
  }
  return {
    address,
    close() {
      try {
        ip('link', 'del', host);
      } catch {
        /* gone with the namespace */
      }
      ip('netns', 'del', ns);
    },
  };
}
