/**
 * Retained sizes of a V8 heap snapshot: what would be freed if an object
 * went, i.e. the self sizes of everything it dominates (every path from the
 * roots to those objects passes through it). Self sizes say what is big
 * (strings, arrays); this says which of rsguard's structures keeps it:
 * "Map <- ServerHistory.rings, 10 MB" where the self-size table showed
 * 10,000 Uint32Arrays and their backing stores apart.
 *
 * The dominator tree by the iterative algorithm of Cooper, Harvey and
 * Kennedy ("A Simple, Fast Dominance Algorithm", 2001) over the strong
 * edges (weak and shortcut edges keep nothing alive), from node 0, the
 * snapshot's synthetic root.
 */

export interface SnapshotGraph {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Graph {
  count: number;
  /** Index into `edges` of each node's first edge; firstEdge[n + 1] ends it. */
  firstEdge: Uint32Array;
  strong: (e: number) => boolean;
  target: (e: number) => number;
}

function graphOf(snap: SnapshotGraph): Graph {
  const { node_fields, edge_fields, edge_types } = snap.snapshot.meta;
  const nw = node_fields.length;
  const ew = edge_fields.length;
  const count = snap.nodes.length / nw;
  const edgeCountAt = node_fields.indexOf('edge_count');
  const firstEdge = new Uint32Array(count + 1);
  for (let n = 0, e = 0; n < count; n++) {
    firstEdge[n] = e;
    e += snap.nodes[n * nw + edgeCountAt]! * ew;
    firstEdge[n + 1] = e;
  }
  const typeAt = edge_fields.indexOf('type');
  const toAt = edge_fields.indexOf('to_node');
  const weak = edge_types[0].indexOf('weak');
  const shortcut = edge_types[0].indexOf('shortcut');
  return {
    count,
    firstEdge,
    strong: (e) => snap.edges[e + typeAt] !== weak && snap.edges[e + typeAt] !== shortcut,
    target: (e) => snap.edges[e + toAt]! / nw,
  };
}

/** Nodes reachable from the root in post-order (an explicit stack: the graph is a million nodes deep in places). */
function postOrder(g: Graph, ew: number): number[] {
  const order: number[] = [];
  const seen = new Uint8Array(g.count);
  const stack = [0];
  const next = [g.firstEdge[0]!];
  seen[0] = 1;
  while (stack.length) {
    const n = stack[stack.length - 1]!;
    let e = next[next.length - 1]!;
    let child = -1;
    for (; e < g.firstEdge[n + 1]!; e += ew) {
      const to = g.target(e);
      if (g.strong(e) && !seen[to]) {
        child = to;
        e += ew;
        break;
      }
    }
    next[next.length - 1] = e;
    if (child >= 0) {
      seen[child] = 1;
      stack.push(child);
      next.push(g.firstEdge[child]!);
    } else {
      stack.pop();
      next.pop();
      order.push(n);
    }
  }
  return order;
}

/** Each reachable node's immediate dominator (-1: unreachable), and the reachable nodes in post-order. */
export function dominators(snap: SnapshotGraph): { idom: Int32Array; order: number[] } {
  const g = graphOf(snap);
  const ew = snap.snapshot.meta.edge_fields.length;
  const order = postOrder(g, ew);
  const rank = new Int32Array(g.count).fill(-1);
  order.forEach((n, i) => (rank[n] = i));
  // Predecessors over strong edges between reachable nodes, in one flat array.
  const predStart = new Uint32Array(g.count + 1);
  for (const n of order) for (let e = g.firstEdge[n]!; e < g.firstEdge[n + 1]!; e += ew) if (g.strong(e)) predStart[g.target(e) + 1]!++;
  for (let n = 0; n < g.count; n++) predStart[n + 1]! += predStart[n]!;
  const preds = new Uint32Array(predStart[g.count]!);
  const fill = predStart.slice();
  for (const n of order) for (let e = g.firstEdge[n]!; e < g.firstEdge[n + 1]!; e += ew) if (g.strong(e)) preds[fill[g.target(e)]!++] = n;
  const idom = new Int32Array(g.count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (rank[a]! < rank[b]!) a = idom[a]!;
      while (rank[b]! < rank[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i]!;
      if (n === 0) continue;
      let d = -1;
      for (let p = predStart[n]!; p < predStart[n + 1]!; p++) {
        const q = preds[p]!;
        if (idom[q] !== -1) d = d === -1 ? q : intersect(q, d);
      }
      if (d !== idom[n]) {
        idom[n] = d;
        changed = true;
      }
    }
  }
  return { idom, order };
}

/**
 * Retained size grouped by what an object is and where its dominator holds
 * it ("object Map <- object ServerHistory.rings"; 10,000 BeatRings are one
 * row), groups of at least `minBytes`, biggest first. Different rows nest
 * and so overlap (a Map's row includes its entries' rows); within a row an
 * object below another of the same row counts once; the root is left out.
 */
export function byDominator(snap: SnapshotGraph, top: number, label: (n: number) => string, minBytes = 100_000): string {
  const { node_fields, edge_fields, edge_types } = snap.snapshot.meta;
  const { idom, order } = dominators(snap);
  const nw = node_fields.length;
  const ew = edge_fields.length;
  const sizeAt = node_fields.indexOf('self_size');
  const retained = new Float64Array(idom.length);
  for (const n of order) {
    retained[n]! += snap.nodes[n * nw + sizeAt]!;
    if (n !== 0) retained[idom[n]!]! += retained[n]!;
  }
  // The name of the edge each node's dominator holds it by, in one pass over the edges.
  const g = graphOf(snap);
  const eTypes = edge_types[0];
  const typeAt = edge_fields.indexOf('type');
  const nameAt = edge_fields.indexOf('name_or_index');
  const via = new Array<string | undefined>(idom.length);
  for (const d of order) {
    for (let e = g.firstEdge[d]!; e < g.firstEdge[d + 1]!; e += ew) {
      const t = g.target(e);
      if (idom[t] !== d || via[t] !== undefined || !g.strong(e)) continue;
      const type = eTypes[snap.edges[e + typeAt]!];
      via[t] = type === 'element' || type === 'hidden' ? '[]' : String(snap.strings[snap.edges[e + nameAt]!]);
    }
  }
  // Walk the dominator tree from the root, each group counting an object's retained size only when no object above
  // it is in the same group: a chain (a rope's .first links, a list's .next) is one size, not its length times over.
  const keyOf = (n: number) => `${label(n)} <- ${label(idom[n]!)}.${via[n] ?? '(several holders)'}`;
  const childStart = new Uint32Array(idom.length + 1);
  for (const n of order) if (n !== 0) childStart[idom[n]! + 1]!++;
  for (let n = 0; n < idom.length; n++) childStart[n + 1]! += childStart[n]!;
  const children = new Uint32Array(childStart[idom.length]!);
  const fill = childStart.slice();
  for (const n of order) if (n !== 0) children[fill[idom[n]!]!++] = n;
  const groups = new Map<string, { size: number; count: number }>();
  const open = new Map<string, number>();
  const stack: Array<{ n: number; next: number; key: string | undefined }> = [{ n: 0, next: childStart[0]!, key: undefined }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.next < childStart[top.n + 1]!) {
      const n = children[top.next++]!;
      const key = keyOf(n);
      const grp = groups.get(key) ?? { size: 0, count: 0 };
      if (!open.get(key)) grp.size += retained[n]!;
      grp.count++;
      groups.set(key, grp);
      open.set(key, (open.get(key) ?? 0) + 1);
      stack.push({ n, next: childStart[n]!, key });
    } else {
      stack.pop();
      if (top.key !== undefined) open.set(top.key, open.get(top.key)! - 1);
    }
  }
  const rows = [...groups].filter(([, grp]) => grp.size >= minBytes).sort((a, b) => b[1].size - a[1].size).slice(0, top);
  const lines = ['| retained MB | count | what <- its dominator (constructor.property) |', '|---:|---:|---|'];
  for (const [key, grp] of rows) lines.push(`| ${(grp.size / 2 ** 20).toFixed(1)} | ${grp.count} | ${key.replace(/\|/g, '\\|')} |`);
  return lines.join('\n');
}
