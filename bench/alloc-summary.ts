/**
 * Summarises an allocation profile from `npm run bench -- --alloc-prof DIR`:
 * bytes allocated by each function during the measured window, freed
 * or not, so "what does one check allocate" is one command anyone can rerun.
 * Divide by the window's checks (the bench prints them) for bytes per check.
 *
 *   node dist/bench/alloc-summary.js DIR/alloc-PID.json [--top 30]
 */
import { summaryCli } from './summary-cli.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

export function summariseAllocations(head: ProfileNode, top: number): string {
  const bySite = new Map<string, number>();
  let total = 0;
  const stack = [head];
  while (stack.length) {
    const n = stack.pop()!;
    const f = n.callFrame;
    total += n.selfSize;
    if (n.selfSize) {
      // Paths shortened to the part that names the file: dist/src/..., node_modules/<pkg>/..., node:...
      const where = f.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^file:\/\//, '');
      const site = `${f.functionName || '(anonymous)'} ${where || '(native)'}:${f.lineNumber + 1}`;
      bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
    }
    stack.push(...n.children);
  }
  const rows = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`${(total / 2 ** 20).toFixed(1)} MB allocated (sampled)`, '', '| MB | % | function (file:line where it is defined, compiled JS; inlined callees count in their caller) |', '|---:|---:|---|'];
  for (const [site, size] of rows) lines.push(`| ${(size / 2 ** 20).toFixed(1)} | ${((100 * size) / total).toFixed(1)} | ${site.replace(/\|/g, '\\|')} |`);
  return lines.join('\n');
}

summaryCli(
  'alloc-summary',
  '.json',
  30,
  (json) => {
    const head = (json as { head?: ProfileNode }).head;
    if (!head?.callFrame || !Array.isArray(head.children)) throw new Error('not a sampling heap profile');
    return head;
  },
  summariseAllocations,
);
