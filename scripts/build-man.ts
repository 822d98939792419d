import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownToMan } from './man/markdown-to-man.js';
import { MAN_DIR, MAN_PAGES } from './man/pages.js';

/**
 * Writes dist/man/rsguard.8 and rsguard.yaml.5 from docs/ (`npm run build`).
 * SOURCE_DATE_EPOCH, when set, dates the pages so two builds of one tree are
 * byte for byte the same (reproducible packages).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
const epoch = process.env.SOURCE_DATE_EPOCH;
const date = epoch ? new Date(Number(epoch) * 1000) : new Date();
await mkdir(path.join(root, MAN_DIR), { recursive: true });
for (const page of MAN_PAGES) {
  const markdown = await readFile(path.join(root, page.source), 'utf8');
  await writeFile(path.join(root, MAN_DIR, page.file), await markdownToMan(markdown, page, { pages: MAN_PAGES, version: pkg.version, date }));
}
