import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
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
    if (issues.length) return { issues };
    // An alias to an anchor that is not (yet) defined parses fine and only fails when converted: name its line now.
    visit(doc, {
      Alias(_, node) {
        if (node.resolve(doc)) return;
        const pos = lines.linePos(node.range?.[0] ?? 0);
        issues.push({ file, line: pos.line, column: pos.col, message: `alias *${node.source} has no anchor &${node.source} before it` });
      },
    });
    return issues.length ? { issues } : { source: new YamlSource(file, doc, lines), issues };
  }

  /** The plain data; aliases past the limit (a "billion laughs" file) are a config error, not a crash. */
  data(): { value?: unknown; issue?: ConfigIssue } {
    try {
      return { value: this.doc.toJS({ maxAliasCount: 100 }) };
    } catch (err) {
      let line = 1;
      let column: number | undefined;
      visit(this.doc, {
        Alias: (_, node) => {
          const pos = this.lines.linePos(node.range?.[0] ?? 0);
          line = pos.line;
          column = pos.col;
          return visit.BREAK;
        },
      });
      return { issue: { file: this.file, line, column, message: `cannot read the YAML: ${(err as Error).message}` } };
    }
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

  /** The plain value at a path, or undefined (for messages about what a user wrote). */
  valueAt(path: readonly PathSegment[]): unknown {
    const v = this.doc.getIn(path as PathSegment[]);
    return isScalar(v) ? v.value : v;
  }

  issueAt(path: readonly PathSegment[], message: string, key?: string): ConfigIssue {
    const at = this.locate(path, key);
    const fullPath = key !== undefined ? [...path, key] : path;
    return { file: this.file, line: at?.line, column: at?.column, path: formatPath(fullPath) || undefined, message };
  }
}
