import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importKeepalived } from '../../src/config/import/keepalived.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DIR = path.join(root, 'test/fixtures/keepalived/differential');
const hasKeepalived = spawnSync('keepalived', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * What keepalived 2.2.7 says about each line it reads past, as
 * "FILE LINE KIND VALUE": unknown keywords, unknown routing methods, invalid
 * schedulers and unexpected braces. These show how each line was split,
 * substituted and placed in its block.
 */
function fromKeepalived(file: string): string[] {
  const r = spawnSync('keepalived', ['--config-test', '-i', 'x', '-f', file], { encoding: 'utf8', timeout: 30_000 });
  const out = new Set<string>();
  for (const line of `${r.stdout}${r.stderr}`.split('\n')) {
    // validate_check_config() names no line: only what it did is compared.
    if (/has port specified - port will be ignored/.test(line)) out.add('- port-ignored');
    if (/has port specified - clearing/.test(line)) out.add('- port-cleared');
    if (/ports don't match - resetting/.test(line)) out.add('- port-reset');
    else if (/ports don't match/.test(line)) out.add('- port-mismatch');
    const m = /^\(([^:]*): Line (\d+)\) (.*)$/.exec(line);
    if (!m) continue;
    const where = `${path.basename(m[1]!)} ${m[2]}`;
    const msg = m[3]!;
    let k: RegExpExecArray | null;
    if ((k = /^Unknown keyword '(.*)'$/.exec(msg)) && k[1] !== '}') out.add(`${where} unknown ${k[1]}`);
    else if ((k = /^PARSER : unknown \[(.*)\] routing method for (\w+) server\.$/.exec(msg))) out.add(`${where} method ${k[1]} ${k[2]}`);
    else if ((k = /^Invalid lvs_scheduler '(.*)' - ignoring$/.exec(msg))) out.add(`${where} sched ${k[1]}`);
    else if (/^Unexpected '\{' - ignoring$/.test(msg)) out.add(`${where} unexpected-{`);
    else if (/^(Address range end|Invalid virtual server group|\(\w+\): fwmark).* - (skipping|ignoring)$/.test(msg)) out.add(`${where} group-entry-skipped`);
  }
  return [...out].sort();
}

async function fromRsguard(file: string): Promise<string[]> {
  const r = await importKeepalived(file, 'x');
  const out = new Set<string>();
  for (const t of r.tolerated ?? []) {
    const where = `${path.basename(t.file ?? file)} ${t.line}`;
    let k: RegExpExecArray | null;
    if ((k = /^Unknown keyword '(.*)'/.exec(t.message))) out.add(`${where} unknown ${k[1]}`);
    else if ((k = /unknown \[(.*)\] routing method for (\w+) server/.exec(t.message))) out.add(`${where} method ${k[1]} ${k[2]}`);
    else if ((k = /^invalid lvs_scheduler '(.*)'/.exec(t.message))) out.add(`${where} sched ${k[1]}`);
    else if (/^unexpected '\{'/.test(t.message)) out.add(`${where} unexpected-{`);
    else if (t.path === 'virtual_server_group' && / - skipping$/.test(t.message)) out.add(`${where} group-entry-skipped`);
    if (/has port specified - port will be ignored/.test(t.message)) out.add('- port-ignored');
    if (/has port specified - clearing/.test(t.message)) out.add('- port-cleared');
    if (/ports don't match - resetting/.test(t.message)) out.add('- port-reset');
    else if (/ports don't match/.test(t.message)) out.add('- port-mismatch');
  }
  return [...out].sort();
}

describe('keepalived.conf read as keepalived 2.2.7 reads it (differential, keepalived --config-test)', { skip: !hasKeepalived && 'keepalived is not installed' }, () => {
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.conf'))) {
    it(name, async () => {
      const file = path.join(DIR, name);
      const ka = fromKeepalived(file);
      assert.ok(ka.length > 0, `keepalived logged nothing comparable for ${name}`);
      assert.deepEqual(await fromRsguard(file), ka);
    });
  }
});
