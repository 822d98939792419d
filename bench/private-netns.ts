import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Runs the bench in a network namespace of its own (root only): the farm,
 * rsguard and HAProxy then talk on a loopback nobody else uses, and the
 * kernel's TCP counters for that namespace count exactly their connections.
 * Returns true in the parent, which must then stop (the child did the work).
 */
export function reexecInPrivateNetns(): boolean {
  if (process.env.RSGUARD_BENCH_NETNS === '1' || process.getuid?.() !== 0 || process.argv.includes('--host-netns')) return false;
  const node = [process.execPath, ...process.execArgv, ...process.argv.slice(1)].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync('unshare', ['--net', 'sh', '-c', `ip link set lo up && exec ${node}`], { stdio: 'inherit', env: { ...process.env, RSGUARD_BENCH_NETNS: '1' } });
  if (r.error) throw r.error;
  process.exitCode = r.status ?? 1;
  return true;
}

/**
 * Connections opened from this namespace so far (ActiveOpens: SYNs sent by
 * connect()). Not PassiveOpens: HAProxy's connect check resets as soon as the
 * SYN-ACK arrives, with its final ACK held back, so the server side never
 * counts a completed handshake.
 */
export function activeOpens(): number {
  const lines = readFileSync('/proc/self/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = lines[0]!.split(/\s+/);
  return Number(lines[1]!.split(/\s+/)[names.indexOf('ActiveOpens')]);
}
