/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof DIR`) as two
 * tables of self time: by function and by source file, so "where the CPU
 * goes" is one command anyone can rerun, not a screenshot of DevTools.
 *
 *   node dist/bench/profile-summary.js DIR/*.cpuprofile [--top 25]
 */
import { summaryCli } from './summary-cli.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time per node id in µs, from the sample deltas (hitCount alone ignores the sampling jitter). */
function selfTimes(p: Profile): Map<number, number> {
  const out = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) out.set(samples[i]!, (out.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? 0));
  return out;
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const m = /\/(dist\/.*|node_modules\/.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, '').replace(/^node:/, 'node:');
}

function table(title: string, rows: Map<string, number>, total: number, top: number): string {
  const sorted = [...rows].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`${title}`, '| self % | self ms | where |', '|---:|---:|---|'];
  for (const [name, us] of sorted) lines.push(`| ${((100 * us) / total).toFixed(1)} | ${(us / 1000).toFixed(0)} | ${name} |`);
  return lines.join('\n');
}

/** Time with the function anywhere on the stack (a recursive one counted once per sample). */
function inclusiveTimes(p: Profile, self: Map<number, number>): Map<string, number> {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at)!;
      const key = n.callFrame.url ? `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : n.callFrame.functionName;
      if (seen.has(key)) continue;
      seen.add(key);
      out.set(key, (out.get(key) ?? 0) + us);
    }
  }
  return out;
}

export function summarise(p: Profile, top: number): string {
  const self = selfTimes(p);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const n of p.nodes) {
    const us = self.get(n.id) ?? 0;
    if (us === 0) continue;
    const fn = n.callFrame.functionName || '(anonymous)';
    if (fn === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const file = shortUrl(n.callFrame.url);
    const key = n.callFrame.url ? `${fn} ${file}:${n.callFrame.lineNumber + 1}` : fn;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const fileKey = n.callFrame.url ? file : fn;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
  const head = `busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s of ${((p.endTime - p.startTime) / 1e6).toFixed(2)} s profiled (main thread only: GC and kernel time show under (garbage collector) and (program))`;
  const inclusive = inclusiveTimes(p, self);
  for (const k of ['(root)', '(idle)', '(program)', '(garbage collector)']) inclusive.delete(k);
  return [
    head,
    '',
    table('By function (self time)', byFunction, total, top),
    '',
    table('By file (self time)', byFile, total, top),
    '',
    table('By function, with what it calls (inclusive time)', inclusive, total, top),
  ].join('\n');
}

summaryCli(
  'profile-summary',
  '.cpuprofile',
  25,
  (json) => {
    const p = json as Profile;
    if (!Array.isArray(p.nodes)) throw new Error('no "nodes": not a V8 .cpuprofile');
    return p;
  },
  summarise,
);
