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
