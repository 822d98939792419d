import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from 'yaml-language-server';
import { configJsonSchema } from '../../src/config/json-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SCHEMA_FILE = path.join(root, 'rsguard.schema.json');

/** The validator editors run (yaml-language-server, as in VS Code's YAML extension), fed the schema file the package ships. */
function editor() {
  const ls = getLanguageService({
    schemaRequestService: async () => readFileSync(SCHEMA_FILE, 'utf8'),
    workspaceContext: { resolveRelativePath: (rel: string, res: string) => new URL(rel, res).href },
  } as never);
  ls.configure({ validate: true, completion: true, schemas: [{ uri: 'file:///rsguard.schema.json', fileMatch: ['*.yaml'] }] });
  return ls;
}
// yaml-language-server caches parsed documents by URI and version: each text gets its own URI.
let docs = 0;
const doc = (text: string) => TextDocument.create(`file:///w/${docs++}/rsguard.yaml`, 'yaml', 1, text);

describe('the JSON Schema for editors', () => {
  it('the shipped rsguard.schema.json is what `rsguard schema` prints (npm run schema regenerates it)', () => {
    assert.deepEqual(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')), configJsonSchema());
  });
  it('the examples name it on their first line and the editor finds nothing wrong in them', async () => {
    for (const f of ['examples/quickstart.yaml', 'examples/compose.yaml']) {
      const text = readFileSync(path.join(root, f), 'utf8');
      assert.match(text.split('\n')[0]!, /^# yaml-language-server: \$schema=\.\.\/rsguard\.schema\.json$/, f);
      assert.deepEqual((await editor().doValidation(doc(text), false)).map((d) => d.message), [], f);
    }
  });
  it('a misspelt key, an unknown check kind and a bad enum are flagged on their lines', async () => {
    const d = await editor().doValidation(doc('virtualServices:\n  - address: 10.0.0.1:80\n    shceduler: wrr\n    onDown: vanish\n    checks: [{ kind: gopher }]\n'), false);
    const byLine = d.map((x) => `${x.range.start.line + 1}: ${x.message}`).sort();
    assert.equal(byLine.length, 3, byLine.join('\n'));
    assert.match(byLine[0]!, /^3: Property shceduler is not allowed/);
    assert.match(byLine[1]!, /^4: Value is not accepted. Valid values: "quiescent", "remove"/);
    assert.match(byLine[2]!, /^5: Value must be "tcp" \| "http" .*"http_proxy"/);
  });
  it('completes keys and check kinds', async () => {
    const keys = await editor().doComplete(doc('virtualServices:\n  - sch'), { line: 1, character: 7 }, false);
    assert.ok(keys.items.some((i) => i.label === 'scheduler'));
    const kinds = await editor().doComplete(doc('virtualServices:\n  - address: 10.0.0.1:80\n    checks:\n      - kind: '), { line: 3, character: 14 }, false);
    for (const k of ['http', 'smtp', 'radius']) assert.ok(kinds.items.some((i) => i.label === k), `kind ${k} offered`);
  });
});
