import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { buildModel } from './build-model.js';
import { ConfigError, formatIssue, type ConfigIssue, type PathSegment } from './errors.js';
import type { ImportResult } from './import/imported.js';
import { importKeepalived } from './import/keepalived.js';
import { importLdirectord } from './import/ldirectord.js';
import { importHaproxyResolved } from './import/haproxy.js';
import type { Model } from '../model/model.js';
import { configSchema } from './schema.js';
import { directiveOf } from './directive-of.js';
import { PROBE_KINDS } from '../probes/registry.js';
import { YamlSource } from './yaml-source.js';

export type ConfigFormat = 'yaml' | 'ldirectord' | 'keepalived' | 'haproxy';

/**
 * Guesses the format from the name and the first directives, so
 * `rsguard run -c /etc/ldirectord.cf` works with no flag.
 */
export function sniffFormat(file: string, text: string): ConfigFormat {
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  if (/ldirectord/i.test(file) || /^\s*(virtual6?|checktimeout|checkinterval)\s*=/m.test(text)) return 'ldirectord';
  if (/keepalived/i.test(file) || /^\s*(virtual_server|vrrp_instance|global_defs)\b/m.test(text)) return 'keepalived';
  if (/haproxy/i.test(path.basename(file)) || /^\s*(backend|listen)\s+\S/m.test(text)) return 'haproxy';
  return 'yaml';
}

/**
 * A union (queue.redis: a URL or a mapping) that failed reports "Invalid
 * input"; when the value's type picked one branch (every other one failed on
 * the type itself), that branch's own issues say what is wrong.
 */
function unionBranch(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union') return [issue];
    const typed = issue.errors.filter((branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0));
    if (typed.length === 0) {
      const expected = [...new Set(issue.errors.flatMap((branch) => branch.flatMap((i) => (i.code === 'invalid_type' && i.path.length === 0 ? [i.expected === 'object' ? 'a mapping' : `a ${i.expected}`] : []))))];
      return [{ ...issue, message: `expected ${expected.join(' or ')}` }];
    }
    if (typed.length !== 1) return [issue];
    return unionBranch(typed[0]!.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
  });
}

function zodIssues(source: YamlSource, error: z.ZodError): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of unionBranch(error.issues)) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(source.issueAt(path, `unknown key ${JSON.stringify(key)}`, key));
    } else if (issue.code === 'invalid_union' && path[path.length - 1] === 'kind') {
      // `rsguard import` marks what it could not convert: say so rather than "unknown kind".
      const marked = source.valueAt([...path.slice(0, -1), 'unsupported']);
      const replaceWith = source.valueAt([...path.slice(0, -1), 'replaceWith']);
      if (typeof marked === 'string') out.push(source.issueAt(path.slice(0, -1), `not converted by rsguard import (${marked}); replace this entry with ${String(replaceWith ?? 'a supported check')}`));
      else out.push(source.issueAt(path, `unknown check kind; expected one of ${PROBE_KINDS.join(', ')}`));
    } else {
      out.push(source.issueAt(path, issue.message));
    }
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** Parses and validates rsguard YAML text; throws ConfigError naming file, line and field. */
export function loadYamlText(file: string, text: string): Model {
  const parsed = YamlSource.parse(file, text);
  if (!parsed.source) throw new ConfigError(parsed.issues);
  const source = parsed.source;
  const read = source.data();
  if (read.issue) throw new ConfigError([read.issue]);
  const data = read.value;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError([{ file, line: 1, message: 'expected a mapping with global and virtualServices' }]);
  }
  const result = configSchema.safeParse(data);
  if (!result.success) throw new ConfigError(zodIssues(source, result.error));
  const { model, issues } = buildModel(result.data, file);
  if (!model) throw new ConfigError(issues.map((i) => source.issueAt(i.path, i.message)));
  return model;
}

/** Reads global.apiTokenFile, so the token need not sit in the config itself. */
async function withTokenFile(model: Model): Promise<Model> {
  const path = model.global.apiTokenFile;
  if (!path || model.global.apiToken) return model;
  try {
    const token = (await readFile(path, 'utf8')).trim();
    if (token.length < 16) throw new Error('token shorter than 16 characters');
    return { ...model, global: { ...model.global, apiToken: token } };
  } catch (err) {
    throw new ConfigError([{ file: model.source, path: 'global.apiTokenFile', message: `cannot use ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
}

async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
  }
}

export interface LoadOptions {
  /** keepalived -i: which `@id` lines apply (default: the host name). */
  configId?: string;
  /** The API token's file when the config names none (ldirectord.cf and keepalived.conf have no place for one). */
  apiTokenFile?: string;
  /** Refuse what the original tool only logs and carries on past (ImportResult.tolerated). */
  strict?: boolean;
  /** The running model's host-name answers: names not asked again (HAProxy's libc ones, ldirectord's that resolved) keep them. */
  hostNames?: Model['hostNames'];
  /** `hostNames` was just asked (ResolveAgain): every answer is taken as it is, no name is looked up. */
  namesAnswered?: boolean;
  /** Build from this text instead of reading the file (ResolveAgain builds the running file's text again with new answers). */
  text?: string;
}

/** The importer of each non-YAML format: what rsguard YAML would say, with source lines. */
function runImporter(kind: Exclude<ConfigFormat, 'yaml'>, file: string, text: string, configId: string | undefined, hostNames?: Model['hostNames'], answered = false): Promise<ImportResult> | ImportResult {
  switch (kind) {
    case 'ldirectord':
      return importLdirectord(file, text, { previous: hostNames?.answers, answered });
    case 'keepalived':
      return importKeepalived(file, configId, text);
    case 'haproxy':
      return importHaproxyResolved(file, text, hostNames?.answers, undefined, answered);
  }
}

/** Loads any supported config file into the model. */
export async function loadConfig(file: string, format?: ConfigFormat, opts: LoadOptions = {}): Promise<Model> {
  const text = opts.text ?? (await readConfigFile(file));
  const kind = format ?? sniffFormat(file, text);
  let model = kind === 'yaml' ? loadYamlText(file, text) : modelFromImport(await runImporter(kind, file, text, opts.configId, opts.hostNames, opts.namesAnswered), file, kind, opts.strict, text);
  if (opts.apiTokenFile && !model.global.apiToken && !model.global.apiTokenFile) model = { ...model, global: { ...model.global, apiTokenFile: opts.apiTokenFile } };
  return withTokenFile(model);
}

/** Runs an importer: the same input object rsguard YAML gives, for `rsguard import`. */
export async function importConfig(file: string, format?: ConfigFormat, opts: LoadOptions = {}): Promise<ImportResult> {
  const text = await readConfigFile(file);
  const kind = format ?? sniffFormat(file, text);
  if (kind === 'yaml') throw new ConfigError([{ file, message: 'already rsguard YAML: nothing to import' }]);
  const result = await runImporter(kind, file, text, opts.configId);
  // Unsupported features do not stop an import: the YAML marks them and refuses to load until they are replaced.
  if (result.errors.length && result.errors.every((e) => e.unsupported)) return result;
  modelFromImport(result, file, kind, false, text);
  return result;
}

/** `virtualServices[0].realServers[1]` → ['virtualServices', 0, 'realServers', 1]. */
function parsePath(p: string): PathSegment[] {
  return [...p.matchAll(/([A-Za-z]\w*)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

/**
 * Validates an imported input with the same schema and model builder as
 * YAML. A refusal keeps the source line and names the directive as written
 * there (directive-of.ts), never the model's field path.
 */
export function modelFromImport(result: ImportResult, file: string, format: Exclude<ConfigFormat, 'yaml'>, strict = false, text?: string): Model {
  const tolerated = result.tolerated ?? [];
  if (strict && tolerated.length) result = { ...result, errors: [...result.errors, ...tolerated] };
  if (result.errors.length) throw new ConfigError(result.errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  // A model path inside a message ("also virtualServices[0]") becomes the directive and line it came from.
  const inMessage = (message: string) =>
    message.replace(/\b(?:virtualServices|notify|global|balancer|vrrp)(?:\[\d+\]|\.[A-Za-z]\w*)*/g, (p) => {
      const { line, directive } = directiveOf(result, text, parsePath(p));
      return line !== undefined ? `${directive ?? 'the entry'} at line ${line}` : p;
    });
  const where = (path: readonly PathSegment[], message: string): ConfigIssue => {
    const { line, directive } = directiveOf(result, text, path);
    return { file, ...(line !== undefined ? { line } : {}), ...(directive ? { path: directive } : {}), message: inMessage(message) };
  };
  const parsed = configSchema.safeParse(result.input);
  const byLine = (issues: ConfigIssue[]) => issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (!parsed.success) throw new ConfigError(byLine(parsed.error.issues.map((i) => where(i.path.filter((p): p is PathSegment => typeof p !== 'symbol'), i.message))));
  const { model, issues } = buildModel(parsed.data, file);
  if (!model) throw new ConfigError(byLine(issues.map((i) => where(i.path, i.message))));
  const warnings = [
    ...tolerated.map((t) => `${formatIssue(t)} (${t.departs ? 'rsguard loads it anyway' : 'the original tool logs this and carries on; so does rsguard'}, and check-config --strict refuses it)`),
    ...result.warnings,
  ];
  return { ...model, format, warnings, ...(result.hostNames ? { hostNames: hostNamesOf(result.hostNames, model, text) } : {}) };
}

/** The importer's host names in the model: an unresolved server names its virtual service by key; the text is kept while names are asked again. */
function hostNamesOf(h: NonNullable<ImportResult['hostNames']>, model: Model, text: string | undefined): NonNullable<Model['hostNames']> {
  const unresolved = (h.unresolved ?? []).flatMap(({ vs, ...u }) => {
    const key = model.virtualServices[vs]?.key;
    return key === undefined ? [] : [{ ...u, vs: key }];
  });
  return { ...h, unresolved, ...(h.everyMs !== undefined && text !== undefined ? { text } : {}) };
}
