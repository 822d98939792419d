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
 * the rest two at a time), each with why: a load made on purpose, or a bound
 * on how long something takes that is tight beside a second test's load.
 * What else two files could share is kept apart without an entry here: each
 * file has fixed ports of its own range (below the ephemeral ones) or free
 * ones, Redis keys under a prefix of its own (its pid or random bytes), its
 * own temporary directory for configs, state files, spools and sockets (of
 * rsguard's defaults under /var/lib/rsguard only the check state file's is
 * used, named after the config's path; every test that writes a VRRP
 * transition gives its daemon its own vrrpSpoolDir), network namespaces,
 * veth names and blackhole addresses that another file's cannot take
 * (test/helpers/vrrp-pair.ts, blackhole-netns.ts), and rsguard's instance
 * locks (the IPVS table of the host's namespace) in a directory of its own
 * (scripts/test-all.ts gives each file its RSGUARD_RUN_DIR).
 */
export const EXCLUSIVE: Readonly<Record<string, string>> = {
  'test/differential/ipvs.test.ts': 'the QEMU guest at 1.6 to 1.9 cores for 6 min (355 s, CPU 565 s): beside LIGHT files it took 444 s (2026-12-07), more than it saved them',
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

/** The differential IPVS tests on the CI subset (`npm run test:differential-subset`): `npm test` runs it with the suite, under its own time bound. */
export const DIFFERENTIAL = 'test/differential/ipvs.test.ts';
export const DIFFERENTIAL_TIMEOUT_MS = 1_500_000;

/**
 * Files that boot the QEMU guest (test/helpers/ipvs-vm.ts) but the
 * differential subset (alone, above): one at a time, and beside a LIGHT file
 * only. Under TCG the guest's two emulated CPUs take 1.1 to 1.5 cores (CPU
 * over wall time, alone, 2026-12-07), and a guest given less than it asks
 * for runs past its own bounds inside: beside config-fuzz (a core of its
 * own) rsguard in ipvs-options-vm's guest did not apply its config within
 * the scenario's 30 s.
 */
export const GUEST: Readonly<Record<string, string>> = {
  'test/integration/ipvs-options-vm.test.ts': '145 s, CPU 157 s',
  'test/integration/ipvs-ownership-vm.test.ts': '107 s, CPU 134 s',
  'test/integration/ipvs-vm.test.ts': '76 s, CPU 114 s',
};

/**
 * Files that may run beside a guest: they mostly wait on timers and peers,
 * at most 0.4 of a core (CPU over wall time, alone, 2026-12-07), so the
 * guest keeps nearly both cores.
 */
export const LIGHT: Readonly<Record<string, string>> = {
  'test/faults/unresolved-name.test.ts': '42 s, CPU 4 s',
  'test/integration/redis-sentinel.test.ts': '28 s, CPU 9 s',
  'test/integration/haproxy-agent-verdict.test.ts': '24 s, CPU 4 s',
  'test/faults/redis-hung.test.ts': '21 s, CPU 4 s',
  'test/integration/probe-protocols.test.ts': '14 s, CPU 3 s',
  'test/integration/mail.test.ts': '14 s, CPU 3 s',
  'test/integration/probe-services.test.ts': '13 s, CPU 2 s',
  'test/faults/balancer-faults.test.ts': '11 s, CPU 4 s',
  'test/integration/fpm-pool-haproxy.test.ts': '8 s, CPU 3 s',
  'test/integration/haproxy-passive.test.ts': '8 s, CPU 3 s',
  'test/integration/haproxy-resolvers.test.ts': '7 s, CPU 3 s',
  'test/integration/mail-takeover.test.ts': '7 s, CPU 1 s',
  'test/unit/wild-corpus.test.ts': '6 s, CPU 2 s',
  'test/integration/probe-socks4.test.ts': '5 s, CPU 2 s',
  'test/integration/haproxy-track-socks4.test.ts': '4 s, CPU 1 s',
  'test/unit/check-conn.test.ts': '3 s, CPU 1 s',
  'test/unit/api-client.test.ts': '2 s, CPU 1 s',
};

/**
 * Files run beside another that are started first, longest first (their time
 * and CPU time one file at a time under the heavy-work lock, 2026-12-07): a
 * long file started last would run alone at the end. The guests come first.
 */
export const LONG: Readonly<Record<string, string>> = {
  'test/integration/ipvs-options-vm.test.ts': '145 s',
  'test/integration/ipvs-ownership-vm.test.ts': '107 s',
  'test/integration/ipvs-vm.test.ts': '76 s',
  'test/faults/config-fuzz.test.ts': '55 s, CPU 56 s: 30,000 mutated configs loaded (one core)',
  'test/integration/leader-failover.test.ts': '45 s, CPU 31 s: ten kills of the leader, lease takeovers',
  'test/faults/unresolved-name.test.ts': '42 s, CPU 4 s: two name retries and two mail digests, 10 s each',
  'test/integration/prometheus-dashboards.test.ts': '36 s, CPU 28 s: Prometheus scrapes, Chromium draws the dashboards',
  'test/integration/redis-sentinel.test.ts': '28 s, CPU 9 s: Sentinel failovers',
  'test/faults/vrrp-demotion.test.ts': '27 s, CPU 14 s: keepalived moves the VIP away and back, twice',
  'test/integration/daemon-e2e.test.ts': '26 s, CPU 13 s: embedded mode, embedded with a probe thread, distributed mode',
  'test/integration/haproxy-agent-verdict.test.ts': '24 s, CPU 4 s: 36 agent answers, both backends settled after each',
  'test/faults/redis-hung.test.ts': '21 s, CPU 4 s: Redis stopped past the grace time',
  'test/integration/probe-protocols.test.ts': '14 s, CPU 3 s: dovecot, vsftpd, unbound and slow peers',
  'test/integration/status-page.test.ts': '14 s, CPU 8 s: Chromium, beats filled in for the screenshot',
  'test/integration/mail.test.ts': '14 s, CPU 3 s: mail digests',
  'test/integration/keepalived-samples.test.ts': '13 s, CPU 16 s: rsguard check-config on Debian\'s keepalived samples',
  'test/faults/haproxy-reload.test.ts': '13 s, CPU 9 s: HAProxy reloads under traffic',
  'test/integration/probe-services.test.ts': '13 s, CPU 2 s: slapd, freeradius, MariaDB, PostgreSQL and slow peers',
  'test/integration/holds-takeover.test.ts': '12 s, CPU 9 s: two takeovers of the leader lease',
  'test/faults/crash-restart.test.ts': '11 s, CPU 13 s: rsguard SIGKILLed and restarted again and again',
  'test/unit/ldirectord-oracle.test.ts': '11 s, CPU 12 s: Debian\'s ldirectord reads 45 files',
  'test/faults/balancer-faults.test.ts': '11 s, CPU 4 s: ipvsadm failing and hanging, HAProxy socket stalling',
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
