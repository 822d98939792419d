import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROBE_KINDS, PROBES } from '../../src/probes/registry.js';
import { anchorsOf, linksOf, nodesOf, parseMarkdown, plainText, tablesOf } from '../helpers/markdown.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');

/** Every relative link and image of one file whose target file or heading does not exist, as "text -> url". */
function brokenLinks(rel: string, text: string, readOther: (rel: string) => string | undefined): string[] {
  const tree = parseMarkdown(text);
  const targets = [...linksOf(tree), ...nodesOf(tree, 'image')];
  const broken: string[] = [];
  for (const link of targets) {
    if (/^[a-z]+:/i.test(link.url)) continue;
    const [file, anchor] = link.url.split('#') as [string, string | undefined];
    const target = file === '' ? rel : path.posix.normalize(path.posix.join(path.posix.dirname(rel), file));
    const label = `${'children' in link ? plainText(link) : link.alt ?? ''} -> ${link.url}`;
    const other = target === rel ? text : readOther(target);
    if (other === undefined) broken.push(`${label} (no file ${target})`);
    else if (anchor && target.endsWith('.md') && !anchorsOf(parseMarkdown(other)).has(anchor)) broken.push(`${label} (no heading #${anchor} in ${target})`);
  }
  return broken;
}

const readIfThere = (rel: string) => (existsSync(path.join(ROOT, rel)) ? read(rel) : undefined);

describe('the documentation', () => {
  it('finds a link to a missing file or heading (the check below can fail)', () => {
    const text = '# A\n\n[ok](#a) [gone](#b) [file](docs/nowhere.md) [heading](docs/operations.md#no-such-heading)\n';
    assert.deepEqual(brokenLinks('README.md', text, readIfThere), [
      'gone -> #b (no heading #b in README.md)',
      'file -> docs/nowhere.md (no file docs/nowhere.md)',
      'heading -> docs/operations.md#no-such-heading (no heading #no-such-heading in docs/operations.md)',
    ]);
  });

  for (const rel of DOCS) {
    it(`${rel}: every relative link names a file and a heading that exist`, () => {
      assert.deepEqual(brokenLinks(rel, read(rel), readIfThere), []);
    });
  }

  it('README.md stays an entry point: under 300 lines, with a link to every file of docs/', () => {
    const readme = read('README.md');
    assert.ok(readme.split('\n').length < 300, `README.md has ${readme.split('\n').length} lines`);
    const linked = new Set(linksOf(parseMarkdown(readme)).map((l) => l.url.split('#')[0]));
    assert.deepEqual(DOCS.filter((d) => d !== 'README.md' && !linked.has(d)), []);
  });

  it("configuration.md lists exactly the probe registry's kinds, each with a section", () => {
    const tree = parseMarkdown(read('docs/configuration.md'));
    const kindRow = tablesOf(tree).flatMap((t) => t.rows).find((r) => r[0] === 'kind');
    assert.ok(kindRow, 'a table row for the field `kind`');
    assert.deepEqual(kindRow[1]!.split(',').map((k) => k.trim()).sort(), [...PROBE_KINDS].sort());
    const headings = nodesOf(tree, 'heading').filter((h) => h.depth === 3).map((h) => h.children.filter((c) => c.type === 'inlineCode').map((c) => c.value)).flat();
    assert.deepEqual(PROBE_KINDS.filter((k) => !headings.includes(k)), []);
  });

  it("configuration.md names every field of every kind's spec in a section about that kind", () => {
    const sections = read('docs/configuration.md').split(/\n(?=#{2,3} )/).filter((sec) => sec.startsWith('### '));
    const undocumented = PROBES.flatMap((p) => {
      const about = sections.filter((sec) => sec.includes(`\`${p.kind}\``)).join('\n');
      return Object.keys(p.spec.shape).filter((field) => !about.includes(`\`${field}\``)).map((field) => `${p.kind}.${field}`);
    });
    assert.deepEqual(undocumented, []);
  });

  it('configuration.md names every key of the configuration schema', () => {
    const keys = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        if (k === 'properties' && v && typeof v === 'object') for (const key of Object.keys(v)) keys.add(key);
        walk(v);
      }
    };
    walk(JSON.parse(read('rsguard.schema.json')));
    assert.ok(keys.has('maxDownFraction') && keys.has('serverStateFile'), 'the walk finds nested keys');
    const doc = read('docs/configuration.md');
    assert.deepEqual([...keys].filter((k) => !new RegExp(`\\b${k}\\b`).test(doc)), []);
  });

  it('operations.md shows the systemd unit as packaging/rsguard.service has it', () => {
    const blocks = nodesOf(parseMarkdown(read('docs/operations.md')), 'code').filter((c) => c.lang === 'ini');
    assert.equal(blocks.length, 1);
    assert.equal(`${blocks[0]!.value}\n`, read('packaging/rsguard.service'));
  });
});
