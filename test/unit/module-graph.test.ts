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
    out.push(path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  }
  return out;
}

/**
 * The layers, bottom first: a module may import only from its own folder or
 * a lower layer; type-only imports count too, so a layer means what the
 * README says of it and not only what runs. Every folder under src/ must be placed here,
 * so a new one has to be put somewhere on purpose.
 */
const LAYERS: string[][] = [
  ['types', 'lib', 'process'],
  ['probes'],
  ['model'],
  ['state'],
  ['planner'],
  ['actuators'],
  ['config'],
  ['scheduler', 'vrrp'],
  ['engine', 'history'],
  ['read'],
  ['metrics', 'notify'],
  ['events'],
  ['http'],
  ['cli'],
  ['(root)'],
];

function layerOf(file: string): string {
  const rel = path.relative(srcRoot, file);
  return rel.includes(path.sep) ? rel.split(path.sep)[0]! : '(root)';
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
  it('places every folder of src/ in exactly one layer', () => {
    const folders = readdirSync(srcRoot).filter((n) => statSync(path.join(srcRoot, n)).isDirectory()).sort();
    const placed = LAYERS.flat().filter((n) => n !== '(root)');
    assert.deepEqual([...placed].sort(), folders);
    assert.equal(new Set(placed).size, placed.length);
  });
  it('imports only downwards (no import runs back up a layer, none sideways between folders)', () => {
    const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));
    const up: string[] = [];
    for (const f of files) {
      const from = layerOf(f);
      for (const dep of localImports(f)) {
        const to = layerOf(dep);
        if (from === to) continue;
        if ((rank.get(to) ?? Infinity) >= (rank.get(from) ?? -1)) up.push(`${path.relative(srcRoot, f)} -> ${path.relative(srcRoot, dep)}`);
      }
    }
    assert.deepEqual(up, []);
  });
  it("loads none of the feature-specific packages when the daemon starts (got, the queue's, the mail's)", () => {
    // What `rsguard run` imports before it reads its config: cli.ts and daemon.ts and what they import statically
    // (type-only imports are erased). got was here through the CLI's API client: 3 MB of heap and 9 MB of RSS for
    // a daemon that never calls its own API. The queue and mail packages load when the config asks for them.
    const seen = new Set<string>();
    const packages = new Map<string, string>();
    const visit = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const m of readFileSync(f, 'utf8').matchAll(/^(?:import|export)\s+(?!type\s)([^;]*?)from\s+['"]([^'"]+)['"]|^import\s+['"]([^'"]+)['"]/gms)) {
        // `import { type A, type B } from 'x'` is erased as a whole, as `import type` is.
        const names = /^\{([^}]*)\}\s*$/.exec(m[1]?.trim() ?? '')?.[1]?.split(',').map((n) => n.trim()).filter(Boolean);
        if (names?.length && names.every((n) => n.startsWith('type '))) continue;
        const spec = (m[2] ?? m[3])!;
        if (spec.startsWith('.')) visit(path.resolve(path.dirname(f), spec.replace(/\.js$/, '.ts')));
        else if (!spec.startsWith('node:')) packages.set(spec.split('/')[0]!, path.relative(srcRoot, f));
      }
    };
    visit(path.join(srcRoot, 'cli.ts'));
    visit(path.join(srcRoot, 'daemon.ts'));
    assert.ok(seen.size > 100 && packages.has('fastify'), 'walked the daemon\'s imports');
    const loaded = ['got', 'bullmq', 'ioredis', 'nodemailer'].filter((p) => packages.has(p)).map((p) => `${p} <- ${packages.get(p)}`);
    assert.deepEqual(loaded, []);
  });
  it('keeps files small (at most 300 lines)', () => {
    const big = files.filter((f) => readFileSync(f, 'utf8').split('\n').length > 300).map((f) => path.relative(srcRoot, f));
    assert.deepEqual(big, []);
  });
  it('has one file per probe kind, named after it, each in the registry', async () => {
    const registry = readFileSync(path.join(srcRoot, 'probes/registry.ts'), 'utf8');
    // The kinds are found, not listed: every file that defines a probe, and every kind the registry serves.
    const defining = files.filter((f) => f.includes(`${path.sep}probes${path.sep}`) && /defineProbe\(\{\s*kind: '/.test(readFileSync(f, 'utf8')));
    assert.ok(defining.length >= 6, 'found the probe files');
    for (const f of defining) {
      const kind = /defineProbe\(\{\s*kind: '([a-z0-9_]+)'/.exec(readFileSync(f, 'utf8'))![1]!;
      // File names are kebab-case: kind http_proxy lives in http-proxy.ts.
      const file = kind.replace(/_/g, '-');
      assert.equal(path.basename(f, '.ts'), file, `${path.relative(srcRoot, f)} defines ${kind}`);
      assert.match(registry, new RegExp(`from './${file}.js'`), `${kind} is not in the registry`);
    }
    const { PROBE_KINDS } = await import('../../src/probes/registry.js');
    assert.deepEqual([...PROBE_KINDS].map((k) => k.replace(/_/g, '-')).sort(), defining.map((f) => path.basename(f, '.ts')).sort());
  });
});
