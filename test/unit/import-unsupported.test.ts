import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'dist/src/cli.js'), ...args], { encoding: 'utf8', timeout: 20_000 });

describe('rsguard import with a part rsguard cannot do: the whole YAML, the part marked, run still refuses', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-unsup-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, text, replacement] of [
    ['keepalived.conf', 'virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80 {\n    BFD_CHECK {\n      name b1\n    }\n  }\n  real_server 10.0.0.3 80 {\n    TCP_CHECK {\n    }\n  }\n}\n', '{ kind: tcp }'],
    ['ldirectord.cf', 'virtual=10.0.0.1:1521\n\treal=10.0.0.2:1521 gate\n\tservice=oracle\nvirtual=10.0.0.1:80\n\treal=10.0.0.3:80 gate\n', '{ kind: tcp }'],
  ] as const) {
    it(name, () => {
      const src = path.join(dir, name);
      writeFileSync(src, text);
      assert.equal(cli(['run', '-c', src]).status, 1, 'run refuses the file');
      const r = cli(['import', src]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /1 unsupported part\(s\) marked "unsupported:"/);
      assert.match(r.stdout, new RegExp(`# unsupported: ${src.replace(/[.]/g, '\\.')}:3: `));
      assert.match(r.stdout, /replace its `unsupported:` entry below with \{ kind: tcp \}/);
      assert.match(r.stdout, /virtualServices:/, 'the rest is converted');
      const yaml = path.join(dir, `${name}.yaml`);
      writeFileSync(yaml, r.stdout);
      const refused = cli(['check-config', yaml]);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /checks\[0\]: not converted by rsguard import \(.*:3: .*\); replace this entry with \{ kind: tcp \}/);
      // Doing what the comment says gives a file that loads.
      const fixed = r.stdout.replace(/- unsupported: [\s\S]*?replaceWith: "[^"]*"\n/, `- ${replacement}\n`);
      writeFileSync(yaml, fixed);
      const ok = cli(['check-config', yaml]);
      assert.equal(ok.status, 0, ok.stderr);
    });
  }
});
