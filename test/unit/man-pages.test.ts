import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { markdownToMan } from '../../scripts/man/markdown-to-man.js';
import { MAN_DIR, MAN_PAGES, type ManPage } from '../../scripts/man/pages.js';
import { parseMarkdown, tablesOf } from '../helpers/markdown.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** What `man -l FILE | col -b` shows at 80 columns, and what groff said on stderr (its warnings). */
async function render(file: string): Promise<{ text: string; warnings: string }> {
  const env = { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat', LANG: 'C.UTF-8' };
  const { stdout, stderr } = await run('sh', ['-c', 'man -l "$1" | col -b', 'sh', file], { env, maxBuffer: 16 << 20 });
  return { text: stdout, warnings: stderr };
}

/** Section headings: lines at the left margin in capitals (NAME, SEE ALSO). */
const sectionsOf = (text: string) => text.split('\n').filter((l) => /^[A-Z][A-Z0-9 ()'`.,-]*$/.test(l.trimEnd()) && l.trim() !== '').map((l) => l.trim());

/** Table rows of the markdown whose first cell is not in the rendered page (whitespace as man wraps it). */
function lostRows(markdown: string, text: string): string[] {
  const flat = text.replace(/\s+/g, ' ');
  return tablesOf(parseMarkdown(markdown)).flatMap((t) => t.rows.map((r) => r[0]!.replace(/\s+/g, ' ').trim())).filter((cell) => cell && !flat.includes(cell));
}

const REQUIRED: Record<string, string[]> = {
  'rsguard.8': ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'SIGNALS', 'ENVIRONMENT', 'FILES', 'EXIT STATUS', 'SEE ALSO'],
  'rsguard.yaml.5': ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'NOTIFICATIONS', 'CHECKS', 'STATES', 'FILES', 'SEE ALSO'],
};

describe('man pages', () => {
  it('a page missing a section or a table row is caught (the checks below can fail)', async () => {
    const page: ManPage = { source: 'x.md', file: 'x.8', name: 'x', section: 8, description: 'a test page' };
    const markdown = '# x\n\n## Synopsis\n\n`x`\n\n## Description\n\n| key | meaning |\n|---|---|\n| `kept` | yes |\n| `also` | yes |\n';
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rsguard-man-')), 'x.8');
    writeFileSync(file, await markdownToMan(markdown, page, { pages: [page], version: '0', date: new Date(0) }));
    const { text } = await render(file);
    assert.deepEqual(sectionsOf(text).filter((s) => s !== 'X(8)'), ['NAME', 'SYNOPSIS', 'DESCRIPTION']);
    assert.ok(!sectionsOf(text).includes('FILES'));
    assert.deepEqual(lostRows(markdown, text), []);
    assert.deepEqual(lostRows(`${markdown}| \`dropped\` | no |\n`, text), ['dropped']);
  });

  it('are built from docs/ by the build script into dist/man, the files package.json installs', async () => {
    await run(process.execPath, [path.join(ROOT, 'dist/scripts/build-man.js')], { env: { ...process.env, SOURCE_DATE_EPOCH: '1764979200' } });
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { man: string[]; files: string[] };
    assert.deepEqual(pkg.man, MAN_PAGES.map((p) => `./${MAN_DIR}/${p.file}`));
    assert.ok(pkg.files.includes(MAN_DIR) && pkg.files.includes('docs'), 'the man pages and the docs they point at are in the package');
  });

  for (const page of MAN_PAGES) {
    it(`${page.file} renders with man -l, without groff warnings, with its sections and every table row of ${page.source}`, async () => {
      const file = path.join(ROOT, MAN_DIR, page.file);
      const { text, warnings } = await render(file);
      assert.equal(warnings, '');
      assert.match(text.split('\n')[0]!, new RegExp(`^${page.name.toUpperCase().replace('.', '\\.')}\\(${page.section}\\)`));
      const sections = sectionsOf(text);
      assert.deepEqual(REQUIRED[page.file]!.filter((s) => !sections.includes(s)), []);
      assert.ok(text.replace(/\s+/g, ' ').includes(`NAME ${page.name} - ${page.description}`), 'NAME: the name and the description');
      assert.deepEqual(lostRows(readFileSync(path.join(ROOT, page.source), 'utf8'), text), []);
    });
  }
});
