/**
 * Summarises a V8 .heapsnapshot (from `npm run bench -- --heap-snapshot DIR`):
 * self size and count by object kind and constructor, by first holder, and
 * retained size by dominator (heap-dominators.ts), so "where the memory
 * goes" is one command anyone can rerun.
 *
 *   node dist/bench/heap-summary.js DIR/*.heapsnapshot [--top 30]
 */
import { byDominator } from './heap-dominators.js';
import { summaryCli } from './summary-cli.js';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Node fields of a snapshot, and a node's label: objects by constructor; strings, code and arrays by kind only (their names are their contents). */
function nodeReader(snap: Snapshot) {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  return {
    width,
    count: snap.nodes.length / width,
    edgeCountAt: fields.indexOf('edge_count'),
    size: (n: number) => snap.nodes[n * width + sizeAt]!,
    label: (n: number) => {
      const type = types[snap.nodes[n * width + typeAt]!]!;
      return type === 'object' || type === 'native' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[n * width + nameAt]!]}` : type;
    },
  };
}

/** Self size and count per key, biggest first, `top` of them. */
function tally(count: number, keyOf: (n: number) => string, sizeOf: (n: number) => number, top: number): Array<[string, { size: number; count: number }]> {
  const groups = new Map<string, { size: number; count: number }>();
  for (let n = 0; n < count; n++) {
    const key = keyOf(n);
    const g = groups.get(key) ?? { size: 0, count: 0 };
    g.size += sizeOf(n);
    g.count++;
    groups.set(key, g);
  }
  return [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, top);
}

export function summarise(snap: Snapshot, top: number): string {
  const nodes = nodeReader(snap);
  let total = 0;
  for (let n = 0; n < nodes.count; n++) total += nodes.size(n);
  const rows = tally(nodes.count, nodes.label, nodes.size, top);
  const lines = [`${(total / 2 ** 20).toFixed(1)} MB in ${nodes.count} objects (self sizes; a snapshot is taken after a full GC)`, '', '| MB | % | count | kind and constructor |', '|---:|---:|---:|---|'];
  for (const [key, g] of rows) lines.push(`| ${(g.size / 2 ** 20).toFixed(1)} | ${((100 * g.size) / total).toFixed(1)} | ${g.count} | ${key} |`);
  return lines.join('\n');
}

/**
 * The same self sizes grouped by what holds them: the first retainer's
 * constructor and the property it is held under ("array <- CheckState.window").
 * A type tells what is big; this tells which of rsguard's fields it hangs from.
 */
export function byRetainer(snap: Snapshot, top: number): string {
  const { edge_fields, edge_types } = snap.snapshot.meta;
  const nodes = nodeReader(snap);
  const ew = edge_fields.length;
  const eTypeAt = edge_fields.indexOf('type');
  const eNameAt = edge_fields.indexOf('name_or_index');
  const eToAt = edge_fields.indexOf('to_node');
  const eTypes = edge_types[0];
  // First strong retainer of each node: parent index and the edge's name.
  const parent = new Int32Array(nodes.count).fill(-1);
  const via = new Array<string>(nodes.count);
  let e = 0;
  for (let n = 0; n < nodes.count; n++) {
    const edges = snap.nodes[n * nodes.width + nodes.edgeCountAt]!;
    for (let k = 0; k < edges; k++, e += ew) {
      const et = eTypes[snap.edges[e + eTypeAt]!]!;
      if (et === 'weak' || et === 'shortcut') continue;
      const to = snap.edges[e + eToAt]! / nodes.width;
      if (parent[to] !== -1) continue;
      parent[to] = n;
      via[to] = et === 'element' || et === 'hidden' ? `[${et}]` : String(snap.strings[snap.edges[e + eNameAt]!]);
    }
  }
  const holder = (n: number) => {
    const p = parent[n]!;
    return `${nodes.label(n)} <- ${p >= 0 ? `${nodes.label(p)}.${via[n]}` : '(root)'}`;
  };
  const lines = ['| MB | count | what <- held by (constructor.property) |', '|---:|---:|---|'];
  for (const [key, g] of tally(nodes.count, holder, nodes.size, top)) lines.push(`| ${(g.size / 2 ** 20).toFixed(1)} | ${g.count} | ${key.replace(/\|/g, '\\|')} |`);
  return lines.join('\n');
}

summaryCli(
  'heap-summary',
  '.heapsnapshot',
  30,
  (json) => {
    const snap = json as Snapshot;
    if (!Array.isArray(snap.nodes) || !snap.snapshot?.meta) throw new Error('not a V8 .heapsnapshot');
    return snap;
  },
  (snap, top) => `${summarise(snap, top)}\n\nBy what holds it:\n${byRetainer(snap, top)}\n\nBy what keeps it (retained sizes):\n${byDominator(snap, top, nodeReader(snap).label)}`,
);
