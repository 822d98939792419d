import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byDominator, dominators, type SnapshotGraph } from '../../bench/heap-dominators.js';

/**
 * A snapshot in V8's format, small enough to reason about: node fields
 * (type, name, self_size, edge_count), edge fields (type, name, to_node as
 * an index into `nodes`, i.e. node number x 4).
 */
function snapshot(sizes: number[], edges: Array<[from: number, to: number, name: string, type?: 'property' | 'weak']>): SnapshotGraph {
  const strings = ['root', ...sizes.slice(1).map((_, i) => `N${i + 1}`)];
  const out: number[][] = sizes.map(() => []);
  for (const [from, to, name, type] of edges) {
    strings.push(name);
    out[from]!.push(type === 'weak' ? 1 : 0, strings.length - 1, to * 4);
  }
  return {
    snapshot: { meta: { node_fields: ['type', 'name', 'self_size', 'edge_count'], node_types: [['object']], edge_fields: ['type', 'name_or_index', 'to_node'], edge_types: [['property', 'weak']] } },
    nodes: sizes.flatMap((size, n) => [0, n, size, out[n]!.length / 3]),
    edges: out.flat(),
    strings,
  };
}

describe('retained sizes of a heap snapshot (bench/heap-summary.js)', () => {
  // 0 -> 1 -> 3, 0 -> 2 -> 3: only the root dominates 3; 1 alone keeps 4; a weak edge keeps nothing.
  const snap = snapshot([0, 10, 20, 40, 80, 160], [
    [0, 1, 'a'],
    [0, 2, 'b'],
    [1, 3, 'shared'],
    [2, 3, 'shared'],
    [1, 4, 'own'],
    [0, 5, 'c'],
    [2, 4, 'seen', 'weak'],
  ]);

  it('finds each object\'s immediate dominator over strong edges', () => {
    const { idom } = dominators(snap);
    assert.deepEqual([...idom], [0, 0, 0, 0, 1, 0]);
  });

  it('sums what each object alone keeps alive, by what it is and where its dominator holds it', () => {
    const table = byDominator(snap, 10, (n) => `object N${n}`, 1);
    const rows = table.split('\n').slice(2).map((l) => l.split('|').map((c) => c.trim()).filter(Boolean));
    // Sizes in bytes read as MB with one decimal are all 0.0: check the order and the keys, and the sums through a MB-sized case below.
    assert.deepEqual(rows.map((r) => r[2]), ['object N5 <- object N0.c', 'object N1 <- object N0.a', 'object N4 <- object N1.own', 'object N3 <- object N0.(several holders)', 'object N2 <- object N0.b']);
  });

  it("counts a kept object in its keeper's size, once", () => {
    const MB = 2 ** 20;
    const big = snapshot([0, MB, 3 * MB, 5 * MB, 2 * MB], [
      [0, 1, 'a'],
      [1, 2, 'own'],
      [0, 3, 'b'],
      [3, 2, 'also'],
      [1, 4, 'mine'],
    ]);
    const rows = byDominator(big, 10, (n) => `object N${n}`, 1).split('\n').slice(2).map((l) => l.split('|').map((c) => c.trim()).filter(Boolean));
    // 2 is held by 1 and 3: the root dominates it, and neither 1 nor 3 (5 MB) retains it; 4 is 1's alone (1 + 2 MB).
    assert.deepEqual(rows, [
      ['5.0', '1', 'object N3 <- object N0.b'],
      ['3.0', '1', 'object N2 <- object N0.(several holders)'],
      ['3.0', '1', 'object N1 <- object N0.a'],
      ['2.0', '1', 'object N4 <- object N1.mine'],
    ]);
  });

  it('counts a chain of the same group once (a rope, a list), not once per link', () => {
    const MB = 2 ** 20;
    // head -> link -> link -> link, each link 1 MB: the second link retains 3 MB, the third 2, the last 1.
    const chain = snapshot([0, MB, MB, MB, MB], [
      [0, 1, 'head'],
      [1, 2, 'next'],
      [2, 3, 'next'],
      [3, 4, 'next'],
    ]);
    const rows = byDominator(chain, 10, () => 'object Link', 1).split('\n').slice(2).map((l) => l.split('|').map((c) => c.trim()).filter(Boolean));
    assert.deepEqual(rows, [
      ['4.0', '1', 'object Link <- object Link.head'],
      ['3.0', '3', 'object Link <- object Link.next'],
    ]);
  });
});
