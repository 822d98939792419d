import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatIssue, type ConfigIssue } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';

/**
 * Issue 21, "What to build" 2: real configuration files from public
 * repositories (test/fixtures/wild/SOURCES.tsv says where each comes from),
 * each loaded as `rsguard run -c FILE` would load it. A file either loads or
 * is refused with every error naming, on its line, a directive as the file
 * writes it (`lb_algo`, `ca-file`, `checktype`), never a path of rsguard's
 * model (`virtualServices[0].scheduler`), and never with a crash. The share of
 * the files their own tool accepts (accepted.tsv, written by oracle.sh with
 * haproxy -c, keepalived --config-test and ldirectord's read_config) that load
 * must reach the issue's bar of 95 %; where it does not yet (haproxy.cfg),
 * the files below the bar are listed with the feature each lacks.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const wild = path.join(root, 'test/fixtures/wild');
const FORMATS = [
  { format: 'keepalived', ext: '.conf' },
  { format: 'ldirectord', ext: '.cf' },
  { format: 'haproxy', ext: '.cfg' },
] as const;
const BAR = 0.95;

/**
 * haproxy.cfg files HAProxy takes that rsguard refuses today, each for a
 * feature it does not have yet (named in the refusal). HAProxy's own
 * regression tests exercise its rarest check features, which is why most are
 * theirs. Each entry is a feature to build, not a pass.
 */
const KNOWN_GAPS: Partial<Record<string, Record<string, RegExp>>> = {
  // The last one, agent-check (051-regtest-agent-check.cfg), is built: every haproxy.cfg HAProxy takes loads.
  haproxy: {},
};

type Outcome =
  | { kind: 'loaded'; warnings: number }
  | { kind: 'refused'; issues: ConfigIssue[]; unnamed: string[] }
  | { kind: 'crash'; error: string };

/** The own tool's verdict per file (oracle.sh). */
function ownVerdicts(): Map<string, { accepted: boolean; message: string }> {
  const out = new Map<string, { accepted: boolean; message: string }>();
  const lines = readFileSync(path.join(wild, 'accepted.tsv'), 'utf8').split('\n').slice(1);
  for (const line of lines) {
    if (!line) continue;
    const [file, verdict, , message] = line.split('\t');
    if (file && verdict) out.set(file, { accepted: verdict.startsWith('accepted'), message: message ?? '' });
  }
  return out;
}

// A path into rsguard's model, which the admin never wrote.
const MODEL_PATH = /\b(virtualServices|realServers|checkDefaults|checks|global|notify)(\[\d+\]|\.\w)/;

/** Words of a source line that can name a directive: not numbers, addresses or punctuation. */
function directiveWords(line: string): Set<string> {
  const words = line.replace(/[#!].*$/, '').match(/[A-Za-z_][\w.-]*/g) ?? [];
  return new Set(words.filter((w) => w.length > 1 && !/^\d/.test(w)).map((w) => w.toLowerCase()));
}

/**
 * Why an error does not name what the admin wrote: no line, a model path, or
 * no word of its message (or directive path) on that line of the file.
 */
function unnamedReason(issue: ConfigIssue, sources: Map<string, string[]>): string | undefined {
  const text = `${issue.path ?? ''} ${issue.message}`;
  if (MODEL_PATH.test(text)) return 'names a model path';
  if (issue.line === undefined) return 'has no line';
  const lines = sources.get(issue.file) ?? (() => {
    try {
      const l = readFileSync(issue.file, 'utf8').split('\n');
      sources.set(issue.file, l);
      return l;
    } catch {
      return [];
    }
  })();
  const src = lines[issue.line - 1];
  if (src === undefined) return `line ${issue.line} is not in ${issue.file}`;
  const onLine = directiveWords(src);
  const said = (text.match(/[A-Za-z_][\w.-]*/g) ?? []).map((w) => w.toLowerCase());
  if (!said.some((w) => onLine.has(w))) return 'names nothing written on its line';
  return undefined;
}

async function outcome(file: string, format: (typeof FORMATS)[number]['format']): Promise<Outcome> {
  try {
    const model = await loadConfig(file, format);
    return { kind: 'loaded', warnings: model.warnings?.length ?? 0 };
  } catch (err) {
    if (!(err instanceof ConfigError)) return { kind: 'crash', error: (err as Error).stack ?? String(err) };
    const sources = new Map<string, string[]>();
    const unnamed: string[] = [];
    for (const issue of err.issues) {
      const why = unnamedReason(issue, sources);
      if (why) unnamed.push(`${formatIssue(issue)} [${why}]`);
    }
    return { kind: 'refused', issues: err.issues, unnamed };
  }
}

const own = ownVerdicts();

for (const { format, ext } of FORMATS) {
  describe(`wild corpus: ${format}`, async () => {
    const dir = path.join(wild, format);
    const files = readdirSync(dir).filter((f) => f.endsWith(ext)).sort();
    const results = new Map<string, Outcome>();
    for (const f of files) results.set(f, await outcome(path.join(dir, f), format));

    const accepted = files.filter((f) => own.get(`${format}/${f}`)?.accepted);
    const loaded = files.filter((f) => results.get(f)?.kind === 'loaded');
    const acceptedLoaded = accepted.filter((f) => results.get(f)?.kind === 'loaded');
    const named = files.filter((f) => {
      const r = results.get(f);
      return r?.kind === 'refused' && r.unnamed.length === 0;
    });
    const share = accepted.length ? acceptedLoaded.length / accepted.length : 1;
    const row = [format, files.length, accepted.length, loaded.length, named.length, `${(share * 100).toFixed(1)} %`];
    console.log(`| format | files | accepted by own tool | loaded by rsguard | refused naming the feature | own-tool-accepted that load |`);
    console.log(`| ${row.join(' | ')} |`);
    if (process.env.WILD_CORPUS_DETAILS) {
      for (const f of files) {
        const r = results.get(f);
        const v = own.get(`${format}/${f}`);
        const ownWord = v?.accepted ? 'own:accepts' : 'own:refuses';
        if (r?.kind === 'loaded') console.log(`${format}/${f}\t${ownWord}\tloaded\t${r.warnings} warning(s)`);
        else if (r?.kind === 'crash') console.log(`${format}/${f}\t${ownWord}\tCRASH\t${r.error.split('\n')[0]}`);
        else if (r) for (const i of r.issues) console.log(`${format}/${f}\t${ownWord}\trefused\t${formatIssue(i).replace(/\n/g, ' ')}${r.unnamed.some((u) => u.startsWith(formatIssue(i))) ? '\t[UNNAMED]' : ''}`);
      }
    }

    it('every file has the own tool\'s verdict in accepted.tsv (re-run oracle.sh after adding one)', () => {
      assert.deepEqual(files.filter((f) => !own.has(`${format}/${f}`)), []);
    });

    it('no file crashes the importer', () => {
      const crashed = files.flatMap((f) => {
        const r = results.get(f);
        return r?.kind === 'crash' ? [`${f}: ${r.error.split('\n')[0]}`] : [];
      });
      assert.deepEqual(crashed, []);
    });

    it('every refusal names, on its line, a directive as the file writes it, never a model path', () => {
      const bad = files.flatMap((f) => {
        const r = results.get(f);
        return r?.kind === 'refused' ? r.unnamed : [];
      });
      assert.deepEqual(bad, []);
    });

    const gaps = KNOWN_GAPS[format] ?? {};
    it(`at least ${BAR * 100} % of the files the own tool accepts load`, () => {
      const notLoaded = accepted.filter((f) => results.get(f)?.kind !== 'loaded');
      assert.ok(share >= BAR, `${acceptedLoaded.length}/${accepted.length} load; not loaded: ${notLoaded.join(', ')}`);
    });
    if (KNOWN_GAPS[format]) {
      // Every file the own tool accepts loads, except the known gaps, each refused naming its feature.
      it(`every file the own tool accepts loads${Object.keys(gaps).length ? `, but for ${Object.keys(gaps).length} known gaps` : ''}`, () => {
        const notLoaded = accepted.filter((f) => results.get(f)?.kind !== 'loaded');
        assert.deepEqual(notLoaded.filter((f) => !gaps[path.basename(f)]), [], 'a file outside the known gaps no longer loads');
        for (const f of notLoaded) {
          const r = results.get(f);
          const want = gaps[path.basename(f)]!;
          assert.ok(r?.kind === 'refused' && r.issues.some((i) => want.test(formatIssue(i))), `${path.basename(f)} is refused for another reason than ${want}: ${r?.kind === 'refused' ? r.issues.map(formatIssue).join('; ') : r?.kind}`);
        }
        // A gap that loads now must leave this list, so the list stays the truth.
        const closed = Object.keys(gaps).filter((g) => accepted.some((f) => path.basename(f) === g && results.get(f)?.kind === 'loaded'));
        assert.deepEqual(closed, [], 'these load now: remove them from KNOWN_GAPS');
      });
    }
  });
}
