import GithubSlugger from 'github-slugger';
import type { Heading, Link, Nodes, PhrasingContent, Root, Table } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

/** Markdown as GitHub reads it (tables included), as a syntax tree. */
export function parseMarkdown(text: string): Root {
  return unified().use(remarkParse).use(remarkGfm).parse(text);
}

export function plainText(node: Nodes | readonly PhrasingContent[]): string {
  if (Array.isArray(node)) return node.map((n) => plainText(n)).join('');
  const n = node as Nodes;
  if ('value' in n) return n.value;
  return 'children' in n ? (n.children as Nodes[]).map((c) => plainText(c)).join('') : '';
}

export function nodesOf<T extends Nodes['type']>(tree: Root, type: T): Extract<Nodes, { type: T }>[] {
  const out: Nodes[] = [];
  const visit = (n: Nodes) => {
    if (n.type === type) out.push(n);
    if ('children' in n) for (const c of n.children as Nodes[]) visit(c);
  };
  visit(tree);
  return out as Extract<Nodes, { type: T }>[];
}

/** The anchors GitHub gives a file's headings (a repeated heading gets -1, -2, ...). */
export function anchorsOf(tree: Root): Set<string> {
  const slugger = new GithubSlugger();
  return new Set(nodesOf(tree, 'heading').map((h: Heading) => slugger.slug(plainText(h))));
}

export function linksOf(tree: Root): Link[] {
  return nodesOf(tree, 'link');
}

/** Each table as its header cells and rows of cells, in plain text. */
export function tablesOf(tree: Root): { headers: string[]; rows: string[][] }[] {
  return nodesOf(tree, 'table').map((t: Table) => {
    const [head, ...rows] = t.children.map((r) => r.children.map((c) => plainText(c)));
    return { headers: head ?? [], rows };
  });
}
