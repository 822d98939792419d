import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigIssue, PathSegment } from './errors.js';
import { formatPath } from './errors.js';

/** A parsed YAML file that can tell the line of any field path, for error messages. */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  static parse(file: string, text: string): { source?: YamlSource; issues: ConfigIssue[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    const issues: ConfigIssue[] = doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return { file, line: pos.line, column: pos.col, message: e.message.split('\n')[0]! };
    });
    return issues.length ? { issues } : { source: new YamlSource(file, doc, lines), issues };
  }

  data(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  /** The line of the deepest node that exists on the path; `key` points at an (unknown) key of that map. */
  locate(path: readonly PathSegment[], key?: string): { line: number; column: number } | undefined {
    let node: Node | null | undefined = this.doc.contents;
    let best: Node | null | undefined = node;
    for (const seg of path) {
      if (isMap(node)) {
        const items: Array<{ key: unknown; value: unknown }> = node.items;
        const pair = items.find((p) => isScalar(p.key) && p.key.value === seg);
        if (!pair) break;
        node = (pair.value as Node | null) ?? (pair.key as Node);
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg] as Node | undefined;
      } else break;
      if (!node) break;
      best = node;
    }
    if (key !== undefined && isMap(best)) {
      const pair = best.items.find((p) => isScalar(p.key) && p.key.value === key);
      if (pair && isScalar(pair.key) && pair.key.range) best = pair.key;
    }
    const offset = best?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = this.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  issueAt(path: readonly PathSegment[], message: string, key?: string): ConfigIssue {
    const at = this.locate(path, key);
    const fullPath = key !== undefined ? [...path, key] : path;
    return { file: this.file, line: at?.line, column: at?.column, path: formatPath(fullPath) || undefined, message };
  }
}
