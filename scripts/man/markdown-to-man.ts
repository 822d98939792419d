import type { Heading, Link, List, ListItem, Paragraph, Parents, PhrasingContent, Root, RootContent, Table } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkMan from 'remark-man';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import type { ManPage } from './pages.js';

export interface ManOptions {
  /** The other pages, so a link to their source reads as "rsguard.yaml(5)". */
  pages: readonly ManPage[];
  version: string;
  date: Date;
}

/**
 * Markdown to roff through remark-man, after three rewrites its output needs on
 * a terminal: tables become lists (remark-man writes tbl rows with no wrapping
 * and `@` as the cell separator, so a wide reference table runs off an
 * 80-column terminal and a cell holding `@` splits), links inside the docs
 * become the name of what they point at (an anchor means nothing in man), and
 * the doc's own title gives way to `name(section) -- description`, which
 * remark-man turns into the NAME section.
 */
export async function markdownToMan(markdown: string, page: ManPage, opts: ManOptions): Promise<string> {
  const processor = unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(() => (tree: Root) => rewrite(tree, page, opts.pages))
    .use(remarkMan, { manual: 'rsguard manual', version: `rsguard ${opts.version}`, date: opts.date });
  const roff = String(await processor.process(markdown));
  // Paths, keys and flags must not be hyphenated or stretched: left-aligned, no hyphenation, after the .TH line.
  const eol = roff.indexOf('\n') + 1;
  return `${roff.slice(0, eol)}.nh\n.ad l\n${roff.slice(eol)}`;
}

function rewrite(tree: Root, page: ManPage, pages: readonly ManPage[]): void {
  const title: Heading = { type: 'heading', depth: 1, children: [{ type: 'text', value: `${page.name}(${page.section}) -- ${page.description}` }] };
  // The doc's title and the lines before its first section speak to a reader of docs/; NAME replaces them.
  const firstSection = tree.children.findIndex((n) => n.type === 'heading' && n.depth === 2);
  tree.children.splice(0, firstSection < 0 ? 0 : firstSection, title);
  for (const n of tree.children) if (n.type === 'heading' && n.depth === 1 && n !== title) n.depth = 2;
  walk(tree, pages);
}

function walk(parent: Parents, pages: readonly ManPage[]): void {
  const children = parent.children as (RootContent | PhrasingContent)[];
  for (let i = 0; i < children.length; i++) {
    const node = children[i]!;
    if (node.type === 'table') {
      children[i] = tableAsList(node);
    } else if (node.type === 'link') {
      children.splice(i, 1, ...linkAsText(node, pages));
    } else if (node.type === 'image') {
      children.splice(i, 1);
      i--;
      continue;
    }
    const now = children[i];
    if (now && 'children' in now) walk(now, pages);
  }
}

/** A row becomes "first cell — header: cell; header: cell" (two columns: "first — second"); empty cells are left out. */
function tableAsList(table: Table): List {
  const [head, ...rows] = table.children;
  const headers = (head?.children ?? []).map((c) => plain(c.children));
  const items: ListItem[] = rows.map((row) => {
    const [key, ...rest] = row.children;
    const content: PhrasingContent[] = [...(key?.children ?? [])];
    const parts = rest.map((cell, j) => ({ header: headers[j + 1] ?? '', cell })).filter((p) => p.cell.children.length > 0);
    parts.forEach((p, j) => {
      const sep = j === 0 ? ' \u2014 ' : '; ';
      const label = headers.length > 2 && p.header ? `${p.header}: ` : '';
      content.push({ type: 'text', value: `${sep}${label}` }, ...p.cell.children);
    });
    const paragraph: Paragraph = { type: 'paragraph', children: content };
    return { type: 'listItem', spread: false, children: [paragraph] };
  });
  return { type: 'list', ordered: false, spread: false, children: items };
}

/**
 * A link to a heading of this page is its text; to another man page's source,
 * its text and the page (rsguard.yaml(5)); to another doc, its text and the
 * file, which the package ships; to the web, as remark-man writes it.
 */
function linkAsText(link: Link, pages: readonly ManPage[]): PhrasingContent[] {
  const url = link.url;
  if (/^[a-z]+:/i.test(url)) return [link];
  const file = url.split('#')[0]!;
  if (file === '') return link.children;
  const base = file.split('/').pop()!;
  const man = pages.find((p) => p.source.split('/').pop() === base);
  const where = man ? `${man.name}(${man.section})` : base === 'README.md' ? 'README.md' : `docs/${base}`;
  const text = plain(link.children);
  if (text === where || text === base) return [{ type: 'text', value: where }];
  return [...link.children, { type: 'text', value: ` (${where})` }];
}

function plain(nodes: readonly PhrasingContent[]): string {
  return nodes.map((n) => ('value' in n ? n.value : 'children' in n ? plain(n.children as PhrasingContent[]) : '')).join('');
}
