import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const srcRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
  });
}

function localImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)) {
    if (/^import\s+type\s/.test(m[0])) continue; // type-only imports vanish at run time
    out.push(path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  }
  return out;
}

describe('source tree rules', () => {
  const files = sources(srcRoot);
  it('has no circular imports', () => {
    const graph = new Map(files.map((f) => [f, localImports(f)]));
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].map((p) => path.relative(srcRoot, p)).join(' -> '));
        return;
      }
      state.set(f, 'visiting');
      for (const dep of graph.get(f) ?? []) visit(dep, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    assert.deepEqual(cycles, []);
  });
  it('keeps files small (at most 300 lines)', () => {
    const big = files.filter((f) => readFileSync(f, 'utf8').split('\n').length > 300).map((f) => path.relative(srcRoot, f));
    assert.deepEqual(big, []);
  });
  it('has one file per probe kind, each in the registry', () => {
    const registry = readFileSync(path.join(srcRoot, 'probes/registry.ts'), 'utf8');
    for (const kind of ['tcp', 'http', 'https', 'icmp', 'fpm', 'exec']) {
      assert.ok(files.includes(path.join(srcRoot, `probes/${kind}.ts`)), `probes/${kind}.ts`);
      assert.match(registry, new RegExp(`from './${kind}.js'`));
    }
  });
});
