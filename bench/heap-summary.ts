/**
 * Summarises a V8 .heapsnapshot (from `npm run bench -- --heap-snapshot DIR`):
 * self size and count by object kind and constructor, so "where the memory
 * goes" is one command anyone can rerun.
 *
 *   node dist/bench/heap-summary.js DIR/*.heapsnapshot [--top 30]
 */
import { summaryCli } from './summary-cli.js';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export function summarise(snap: Snapshot, top: number): string {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, { size: number; count: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const size = snap.nodes[i + sizeAt]!;
    total += size;
    // Objects by constructor; strings, code and arrays by kind only (their names are their contents).
    const key = type === 'object' || type === 'native' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[i + nameAt]!]}` : type;
    const g = groups.get(key) ?? { size: 0, count: 0 };
    g.size += size;
    g.count++;
    groups.set(key, g);
  }
  const rows = [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, top);
  const lines = [`${(total / 2 ** 20).toFixed(1)} MB in ${snap.nodes.length / width} objects (self sizes; a snapshot is taken after a full GC)`, '', '| MB | % | count | kind and constructor |', '|---:|---:|---:|---|'];
  for (const [key, g] of rows) lines.push(`| ${(g.size / 2 ** 20).toFixed(1)} | ${((100 * g.size) / total).toFixed(1)} | ${g.count} | ${key} |`);
  return lines.join('\n');
}

/**
 * The same self sizes grouped by what holds them: the first retainer's
 * constructor and the property it is held under ("array <- CheckState.window").
 * A type tells what is big; this tells which of rsguard's fields it hangs from.
 */
export function byRetainer(snap: Snapshot, top: number): string {
  const { node_fields: fields, node_types, edge_fields, edge_types } = snap.snapshot.meta;
  const types = node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const edgeCountAt = fields.indexOf('edge_count');
  const ew = edge_fields.length;
  const eTypeAt = edge_fields.indexOf('type');
  const eNameAt = edge_fields.indexOf('name_or_index');
  const eToAt = edge_fields.indexOf('to_node');
  const eTypes = edge_types[0];
  const count = snap.nodes.length / width;
  const label = (n: number) => {
    const type = types[snap.nodes[n * width + typeAt]!]!;
    return type === 'object' || type === 'native' || type === 'closure' ? `${type} ${snap.strings[snap.nodes[n * width + nameAt]!]}` : type;
  };
  // First strong retainer of each node: parent index and the edge's name.
  const parent = new Int32Array(count).fill(-1);
  const via = new Array<string>(count);
  let e = 0;
  for (let n = 0; n < count; n++) {
    const edges = snap.nodes[n * width + edgeCountAt]!;
    for (let k = 0; k < edges; k++, e += ew) {
      const et = eTypes[snap.edges[e + eTypeAt]!]!;
      if (et === 'weak' || et === 'shortcut') continue;
      const to = snap.edges[e + eToAt]! / width;
      if (parent[to] !== -1) continue;
      parent[to] = n;
      const nameOrIndex = snap.edges[e + eNameAt]!;
      via[to] = et === 'element' || et === 'hidden' ? `[${et}]` : String(snap.strings[nameOrIndex]);
    }
  }
  const groups = new Map<string, { size: number; count: number }>();
  for (let n = 0; n < count; n++) {
    const p = parent[n]!;
    const key = `${label(n)} <- ${p >= 0 ? `${label(p)}.${via[n]}` : '(root)'}`;
    const g = groups.get(key) ?? { size: 0, count: 0 };
    g.size += snap.nodes[n * width + sizeAt]!;
    g.count++;
    groups.set(key, g);
  }
  const rows = [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, top);
  const lines = ['| MB | count | what <- held by (constructor.property) |', '|---:|---:|---|'];
  for (const [key, g] of rows) lines.push(`| ${(g.size / 2 ** 20).toFixed(1)} | ${g.count} | ${key.replace(/\|/g, '\\|')} |`);
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
  (snap, top) => `${summarise(snap, top)}\n\nBy what holds it:\n${byRetainer(snap, top)}`,
);
