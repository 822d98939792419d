// Run by the config-fuzz fault test inside `unshare --net` (no network but a
// loopback that is down), because ldirectord.cf names are resolved at load:
// no lookup a mutation invents can leave this machine. Mutates the full
// fixtures of each format N times and prints what the loaders did as JSON.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { loadConfig, loadYamlText } from '../../src/config/load.js';
import { seededRandom } from './seeded-random.js';

const n = Number(process.argv[2] ?? 10_000);
const fixtures = process.argv[3]!;

const { rand, pick } = seededRandom(0x2545f491);
const TOKENS = ['', '-1', '0', '65536', '99999999999999999999', 'abc', '{', '}', '"', "'", ':', '=', '[', ']', '\t', 'é', '0x1F', '1.5', 'yes', 'null', '~', '*', '&a', '*a', '!!binary', '#', '!', '\\', '%', 'x'.repeat(5000), '10.0.0.1', '::1', '[::1]:80', '127.0.0.1:0', '1-3', '\u0000'];

function mutate(text: string): string {
  let lines = text.split('\n');
  const ops = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < ops; k++) {
    const i = Math.floor(rand() * lines.length);
    switch (Math.floor(rand() * 7)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, lines[i] ?? '');
        break;
      case 2: {
        const j = Math.floor(rand() * lines.length);
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        break;
      }
      case 3: {
        const parts = (lines[i] ?? '').split(/(\s+|[:=,{}[\]])/);
        const at = Math.floor(rand() * parts.length);
        parts[at] = pick(TOKENS);
        lines[i] = parts.join('');
        break;
      }
      case 4:
        lines = lines.join('\n').slice(0, Math.floor(rand() * text.length)).split('\n');
        break;
      case 5: {
        const l = lines[i] ?? '';
        const at = Math.floor(rand() * (l.length + 1));
        lines[i] = l.slice(0, at) + String.fromCharCode(Math.floor(rand() * 128)) + l.slice(at);
        break;
      }
      default: {
        const l = lines[i] ?? '';
        if (l.length) {
          const at = Math.floor(rand() * l.length);
          lines[i] = l.slice(0, at) + pick(TOKENS).slice(0, 1) + l.slice(at + 1);
        }
      }
    }
  }
  return lines.join('\n');
}

export interface Tally {
  format: string;
  tried: number;
  accepted: number;
  rejected: number;
  crashes: string[];
  withoutLine: string[];
  maxMs: number;
}

async function run(format: string, load: (text: string) => Promise<unknown>, base: string): Promise<Tally> {
  const t: Tally = { format, tried: 0, accepted: 0, rejected: 0, crashes: [], withoutLine: [], maxMs: 0 };
  for (let k = 0; k < n; k++) {
    const text = mutate(base);
    t.tried++;
    const t0 = performance.now();
    try {
      await load(text);
      t.accepted++;
    } catch (err) {
      if (!(err instanceof ConfigError)) {
        if (t.crashes.length < 5) t.crashes.push(`${(err as Error).stack}\n--- input ---\n${text.slice(0, 2000)}`);
        else t.crashes.push('');
        continue;
      }
      t.rejected++;
      for (const issue of err.issues) {
        if (issue.line === undefined && t.withoutLine.length < 20) t.withoutLine.push(formatIssue(issue));
      }
    }
    t.maxMs = Math.max(t.maxMs, performance.now() - t0);
  }
  return t;
}

const dir = mkdtempSync(path.join(tmpdir(), 'rsguard-fuzz-'));
try {
  cpSync(path.join(fixtures, 'keepalived', 'conf.d'), path.join(dir, 'conf.d'), { recursive: true });
  const yaml = readFileSync(path.join(fixtures, 'config', 'valid', 'full.yaml'), 'utf8');
  const cf = readFileSync(path.join(fixtures, 'ldirectord', 'full.cf'), 'utf8');
  const conf = readFileSync(path.join(fixtures, 'keepalived', 'full.conf'), 'utf8');
  const kaFile = path.join(dir, 'keepalived.conf');
  const cfFile = path.join(dir, 'ldirectord.cf');
  const tallies = [
    await run('rsguard YAML', async (text) => loadYamlText('fuzz.yaml', text), yaml),
    await run('ldirectord.cf', async (text) => {
      writeFileSync(cfFile, text);
      return loadConfig(cfFile, 'ldirectord');
    }, cf),
    await run('keepalived.conf', async (text) => {
      writeFileSync(kaFile, text);
      // keepalived logs and reads past most broken lines (tolerated): the file must load as keepalived reads it
      // without crashing, and check-config --strict must refuse it naming each line.
      await loadConfig(kaFile, 'keepalived');
      return loadConfig(kaFile, 'keepalived', { strict: true });
    }, conf),
  ];
  process.stdout.write(JSON.stringify(tallies));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
