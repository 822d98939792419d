/**
 * Summarises a V8 .heapsnapshot (from `npm run bench -- --heap-snapshot DIR`):
 * self size and count by object kind and constructor, so "where the memory
 * goes" is one command anyone can rerun.
 *
 *   node dist/bench/heap-summary.js DIR/*.heapsnapshot [--top 30]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
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

function main(): void {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 30;
  if (args.length === 0 || !Number.isInteger(top) || top < 1) {
    process.stderr.write('usage: heap-summary FILE.heapsnapshot... [--top N]\n');
    process.exit(2);
  }
  for (const file of args) {
    let snap: Snapshot;
    try {
      snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
      if (!Array.isArray(snap.nodes) || !snap.snapshot?.meta) throw new Error('not a V8 .heapsnapshot');
    } catch (err) {
      process.stderr.write(`${file}: ${(err as Error).message}\n`);
      process.exit(1);
    }
    process.stdout.write(`## ${file}\n${summarise(snap, top)}\n\n`);
  }
}

main();
