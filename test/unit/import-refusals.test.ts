import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { directiveOf } from '../../src/config/directive-of.js';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import type { ImportResult } from '../../src/config/import/imported.js';
import { loadConfig, modelFromImport, type ConfigFormat } from '../../src/config/load.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'dist/src/cli.js'), ...args], { encoding: 'utf8', timeout: 20_000 });
const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-refusal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function write(name: string, text: string): string {
  const f = path.join(dir, `${n++}-${name}`);
  writeFileSync(f, text);
  return f;
}
async function refusals(name: string, format: ConfigFormat, text: string): Promise<string[]> {
  try {
    await loadConfig(write(name, text), format);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues.map((i) => formatIssue(i).replace(/^.*\/\d+-[^:]*:/, ''));
  }
  assert.fail('loaded without error');
}

/** What rsguard's schema refuses and the importer passes on: the refusal names the directive and its line, no model path. */
describe('an imported value rsguard\'s schema refuses is named by its directive, in every format', () => {
  it('ldirectord.cf: emailalert, the weight on a real= line, scheduler (recorded by the importer)', async () => {
    const e = await refusals('ldirectord.cf', 'ldirectord', 'emailalert=a\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate 70000\n\tscheduler=foo\n\tchecktype=connect\n');
    assert.deepEqual(e.map((l) => l.replace(/^(\d+: [^:]+):.*$/, '$1')), ['1: emailalert', '3: real', '4: scheduler']);
    assert.ok(e.every((l) => !/virtualServices|notify\.|\[\d+\]/.test(l)), e.join('\n'));
  });

  // keepalived logs a weight above 65535 and reads on (a tolerated issue since the keepalived importer follows check_parser.c), so the schema's refusal here is the mail address.
  it('keepalived.conf: notification_email (derived from the source lines)', async () => {
    const e = await refusals('keepalived.conf', 'keepalived', [
      'global_defs {', '    notification_email {', '        a', '    }', '    smtp_server 127.0.0.1', '}',
      'virtual_server 10.0.0.1 80 {', '    delay_loop 6', '    protocol TCP', '    real_server 10.0.0.2 80 {', '        weight 70000', '        TCP_CHECK {', '            connect_timeout 3', '        }', '    }', '}', '',
    ].join('\n'));
    assert.deepEqual(e.map((l) => l.replace(/^(\d+: [^:]+):.*$/, '$1')), ['2: notification_email']);
  });

  it('haproxy.cfg: rise and fall on a server line', async () => {
    const e = await refusals('haproxy.cfg', 'haproxy', 'global\n    stats socket /run/haproxy.sock level admin\ndefaults\n    mode tcp\nbackend be\n    server s1 10.0.0.2:80 check rise 1001\n    server s2 10.0.0.3:80 check fall 5000\n');
    assert.deepEqual(e.map((l) => l.replace(/^(\d+: [^:]+):.*$/, '$1')), ['6: rise', '7: fall']);
  });
});

describe('a model path inside a refusal\'s message becomes the directive and its line', () => {
  it('a duplicate virtual service names the other one by its line (ldirectord read_config "duplicate virtual server"); keepalived runs both blocks on one service', async () => {
    assert.deepEqual(await refusals('ldirectord.cf', 'ldirectord', 'virtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n'), ['3: virtual: duplicate virtual service tcp:10.0.0.1:80 (also virtual at line 1)']);
    // keepalived 2.2.7 ignores the second add's EEXIST and runs both blocks on one service (keepalived-duplicates.test.ts):
    // loaded with a warning that names the other block by its line, which --strict refuses.
    const ka = 'virtual_server 10.0.0.1 80 {\n    protocol TCP\n    real_server 10.0.0.2 80 {\n    }\n}\nvirtual_server 10.0.0.1 80 {\n    protocol TCP\n    real_server 10.0.0.2 80 {\n    }\n}\n';
    await assert.rejects(loadConfig(write('keepalived.conf', ka), 'keepalived', { strict: true }), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err.issues.some((i) => i.line === 6 && /virtual server tcp 10\.0\.0\.1:80 is also the virtual_server at line 1/.test(i.message)), String(err));
      return true;
    });
  });
});

describe('directiveOf, when the importer recorded no directive', () => {
  const lines = new Map([['virtualServices[0]', 1], ['virtualServices[0].realServers[0]', 5], ['notify.email.to', 9]]);
  const text = ['virtual_server 10.0.0.1 80 {', '    delay_loop 6', '    lb_algo bogus', '    protocol TCP', '    real_server 10.0.0.2 80 {', '        weight 9', '    }', '}', 'notification_email {', '}'].join('\n');
  it('finds the directive that sets the field in the block the recorded line opens (keepalived lb_algo)', () => {
    assert.deepEqual(directiveOf({ lines }, text, ['virtualServices', 0, 'scheduler']), { line: 3, directive: 'lb_algo' });
    assert.deepEqual(directiveOf({ lines }, text, ['virtualServices', 0, 'realServers', 0, 'weight']), { line: 6, directive: 'weight' });
  });
  it('takes the recorded line\'s first word for a field no directive names, and the importer\'s record when there is one', () => {
    assert.deepEqual(directiveOf({ lines }, text, ['notify', 'email', 'to', 0]), { line: 9, directive: 'notification_email' });
    assert.deepEqual(directiveOf({ lines, directives: new Map([['virtualServices[0].scheduler', 'lvs_sched']]) }, text, ['virtualServices', 0, 'scheduler']), { line: 1, directive: 'lvs_sched' });
  });
  it('finds a haproxy server option on the server line itself', () => {
    const h = 'backend be\n    server s1 10.0.0.2:80 check inter 2s weight 300\n';
    assert.deepEqual(directiveOf({ lines: new Map([['virtualServices[0].realServers[0]', 2]]) }, h, ['virtualServices', 0, 'realServers', 0, 'weight']), { line: 2, directive: 'weight' });
  });
});

describe('tolerated issues: loaded with a warning, refused by --strict', () => {
  // keepalived's check_parser.c logs "unknown keyword" for a keyword in a virtual_server it does not know and carries on.
  const result = (): ImportResult => ({
    input: { balancer: { kind: 'ipvs' }, virtualServices: [{ address: '10.0.0.1:80', protocol: 'tcp', realServers: [{ address: '10.0.0.2:80' }] }] },
    lines: new Map([['virtualServices[0]', 1]]),
    warnings: [],
    errors: [],
    tolerated: [{ file: 'k.conf', line: 3, path: 'bogus_keyword', message: 'unknown keyword bogus_keyword ignored, as keepalived does' }],
  });
  it('modelFromImport loads it with the warning naming the line, and refuses it when strict', () => {
    const m = modelFromImport(result(), 'k.conf', 'keepalived');
    assert.ok(m.warnings.some((w) => /^k\.conf:3: bogus_keyword: unknown keyword bogus_keyword ignored/.test(w)), m.warnings.join('\n'));
    assert.throws(() => modelFromImport(result(), 'k.conf', 'keepalived', true), (err: unknown) => err instanceof ConfigError && /^k\.conf:3: bogus_keyword: unknown keyword/.test(err.message));
  });

  // ldirectord's read_config warns "checkinterval in virtual service ... ignored when fork=no" (config_warn) and carries on.
  const ld = 'checkinterval=7\nvirtual=10.0.0.1:80\n\treal=10.0.0.2:80 gate\n\tcheckinterval=2\n';
  it('rsguard check-config --strict refuses it (exit 1, naming the line); without --strict it loads', () => {
    const f = write('ldirectord.cf', ld);
    const strict = cli(['check-config', '--strict', f]);
    assert.equal(strict.status, 1);
    assert.match(strict.stderr, /ldirectord\.cf:4: checkinterval: checkinterval in virtual service 10\.0\.0\.1:80 ignored when fork=no/);
    const loose = cli(['check-config', f]);
    assert.equal(loose.status, 0, loose.stderr);
  });
  it('rsguard import prints it as a # warning: line', () => {
    const f = write('ldirectord.cf', ld);
    const r = cli(['import', f]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^# warning: .*ldirectord\.cf:4: checkinterval: checkinterval in virtual service 10\.0\.0\.1:80 ignored when fork=no \(the original tool logs this and carries on/m);
  });
});
