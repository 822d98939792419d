import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The fast tier, `npm run test:fast`: the tests for the edit loop, under a
 * minute on the 2-core build box (docs/testing.md has the figures). `npm
 * test` runs every file whatever this says.
 *
 * Every file of test/unit is in it unless named in SLOW, so a new unit test
 * joins it by itself; from test/integration only the files named in
 * IN_PROCESS: rsguard's code in the test's own process against servers the
 * test itself runs, no rsguard child process, no HAProxy, keepalived or QEMU.
 * test/unit/test-tiers.test.ts checks that every name here is a file.
 */

/** Unit test files left out, each with its time alone (one `node --test` file run, under the heavy-work lock) and what takes it. */
export const SLOW: Readonly<Record<string, string>> = {
  'test/unit/ldirectord-oracle.test.ts': '7.8 s: Debian\'s ldirectord (perl) reads 45 files',
  'test/unit/wild-corpus.test.ts': '5.8 s: the real-world corpus, and haproxy -c and keepalived on it',
  'test/unit/import.test.ts': '4.3 s: rsguard import run as a command per fixture',
  'test/unit/import-unsupported.test.ts': '3.5 s: rsguard import run as a command per directive',
  'test/unit/instance-lock.test.ts': '2.4 s: processes that hold and lose the lock',
  'test/unit/config.test.ts': '1.8 s: rsguard check-config and run as commands',
  'test/unit/import-refusals.test.ts': '1.7 s: rsguard import run as a command per refusal',
};

/** Integration test files that run in process (see above), each with its time alone. */
export const IN_PROCESS: Readonly<Record<string, string>> = {
  'test/integration/daemon-in-process.test.ts': '0.8 s: startDaemon on an injected clock',
  'test/integration/empty-pool.test.ts': '1.3 s: startDaemon with an empty pool',
  'test/integration/reload-restart-needed.test.ts': '1.0 s: startDaemon and two reloads (the reload handler list as the daemon builds it)',
  'test/integration/queue-timers.test.ts': '0.4 s: the BullMQ queue on virtual time (Redis)',
  'test/integration/tls-ca.test.ts': '0.8 s: TLS checks against a CA of the test\'s own',
  'test/integration/probe-tcp.test.ts': '0.9 s',
  'test/integration/probe-http.test.ts': '1.3 s',
  'test/integration/probe-exec.test.ts': '0.6 s',
};

/** The folders `npm test` runs every test file of (scripts/test-all.ts), and the file it runs after all of them. */
export const SUITE_DIRS = ['test/unit', 'test/integration', 'test/faults'] as const;
export const LAST = 'test/zz-summary.test.ts';

/**
 * Files `npm test` runs alone, nothing beside them (scripts/test-all.ts runs
 * the rest two at a time), each with why: a QEMU guest (two emulated CPUs
 * take both cores), a load made on purpose, or a bound on how long something
 * takes that is tight beside a second test's load. What else two files could
 * share is kept apart without an entry here: each file has fixed ports of
 * its own range (below the ephemeral ones) or free ones, Redis keys under a
 * prefix of its own (its pid or random bytes), its own temporary directory
 * for configs, state files, spools and sockets (of rsguard's defaults under
 * /var/lib/rsguard only the check state file's is used, named after the
 * config's path; the spools' would be shared), and rsguard's
 * instance locks (the IPVS table of the host's namespace) in a directory of
 * its own (scripts/test-all.ts gives each file its RSGUARD_RUN_DIR).
 */
export const EXCLUSIVE: Readonly<Record<string, string>> = {
  'test/integration/ipvs-vm.test.ts': 'QEMU guest (2 emulated CPUs, both cores)',
  'test/integration/ipvs-options-vm.test.ts': 'QEMU guest (2 emulated CPUs, both cores)',
  'test/integration/ipvs-ownership-vm.test.ts': 'QEMU guest (2 emulated CPUs, both cores)',
  'test/faults/api-flood.test.ts': 'a load on purpose (200 status requests a second, 500 servers) and /api/health bounded at 1.5 s under it',
  'test/faults/hostile-servers.test.ts': 'a load on purpose (75 hostile servers, bodies without end) and probe durations bounded at 400 ms past the timeout',
  'test/faults/reload-cost.test.ts': '10,000 servers in process: reloads that take a core, and the loop hold it reports',
  'test/faults/overloaded-loop.test.ts': 'blocks its own loop on purpose: which the kernel has ready first, a read or a timer, decides',
  'test/integration/status-page-5000.test.ts': '5,000 servers checked and drawn by headless Chromium: a load, and 5 s bounds on the page',
  'test/integration/bench-keepalived-peer.test.ts': 'counts the checks nginx saw in a window of seconds',
  'test/integration/fpm-saturation.test.ts': 'a status read bounded at 500 ms',
  'test/integration/leader-lease.test.ts': 'a lease\'s time left read right after it is taken, bounded at 500 ms below the lease',
  'test/integration/probe-tcp.test.ts': 'a probe\'s deadline timed from outside (300 ms timeout, at most 1.5 s)',
  'test/integration/probe-http.test.ts': 'a probe\'s deadline timed from outside (400 ms timeout, at most 1.5 s)',
};

/**
 * Files run beside another that are started first, longest first (their time
 * in a run one file at a time, under the heavy-work lock): a long file
 * started last would run alone at the end.
 */
export const LONG: Readonly<Record<string, string>> = {
  'test/faults/config-fuzz.test.ts': '61 s: 30,000 mutated configs loaded (one core)',
  'test/faults/unresolved-name.test.ts': '41 s: two name retries and two mail digests, 10 s each',
  'test/integration/prometheus-dashboards.test.ts': '29 s: Prometheus scrapes, Chromium draws the dashboards',
  'test/faults/vrrp-demotion.test.ts': '27 s: keepalived moves the VIP away and back, twice',
  'test/integration/redis-sentinel.test.ts': '25 s: Sentinel failovers',
  'test/integration/haproxy-agent-verdict.test.ts': '23 s: 36 agent answers, both backends settled after each',
  'test/integration/holds-takeover.test.ts': '22 s: two takeovers of the leader lease',
  'test/faults/redis-hung.test.ts': '20 s: Redis stopped past the grace time',
  'test/integration/status-page.test.ts': '20 s: Chromium, beats filled in for the screenshot',
  'test/integration/leader-failover.test.ts': '18 s: lease takeovers',
  'test/integration/daemon-e2e.test.ts': '15 s: embedded and distributed modes',
  'test/integration/probe-protocols.test.ts': '13 s: dovecot, vsftpd, unbound and slow peers',
  'test/integration/mail.test.ts': '13 s: mail digests',
  'test/faults/haproxy-reload.test.ts': '12 s: HAProxy reloads under traffic',
  'test/integration/probe-services.test.ts': '12 s: slapd, freeradius, MariaDB, PostgreSQL and slow peers',
  'test/faults/balancer-faults.test.ts': '10 s: ipvsadm failing and hanging, HAProxy socket stalling',
};

/** Every test source of `npm test` but LAST, relative to the repository root, sorted as `node --test` sorts them. */
export function suiteSources(root: string): string[] {
  return SUITE_DIRS.flatMap((dir) =>
    readdirSync(path.join(root, dir))
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => `${dir}/${f}`),
  ).sort();
}

/** The fast tier's test sources, relative to the repository root, in the order `node --test` runs them. */
export function fastTierSources(root: string): string[] {
  const unit = readdirSync(path.join(root, 'test/unit'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `test/unit/${f}`)
    .filter((f) => !(f in SLOW));
  return [...unit, ...Object.keys(IN_PROCESS)].sort();
}

/** Where the build puts a test source: test/unit/x.test.ts -> dist/test/unit/x.test.js. */
export function compiled(source: string): string {
  return `dist/${source.replace(/\.ts$/, '.js')}`;
}
