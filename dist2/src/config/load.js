import { readFile } from 'node:fs/promises';
import { buildModel } from './build-model.js';
import { ConfigError, formatPath } from './errors.js';
import { importKeepalived } from './import/keepalived.js';
import { importLdirectord } from './import/ldirectord.js';
import { configSchema } from './schema.js';
import { PROBE_KINDS } from '../probes/registry.js';
import { YamlSource } from './yaml-source.js';
/**
 * Guesses the format from the name and the first directives, so
 * `rsguard run -c /etc/ldirectord.cf` works with no flag.
 */
export function sniffFormat(file, text) {
    if (/\.ya?ml$/i.test(file))
        return 'yaml';
    if (/ldirectord/i.test(file) || /^\s*(virtual6?|checktimeout|checkinterval)\s*=/m.test(text))
        return 'ldirectord';
    if (/keepalived/i.test(file) || /^\s*(virtual_server|vrrp_instance|global_defs)\b/m.test(text))
        return 'keepalived';
    return 'yaml';
}
function zodIssues(source, error) {
    const out = [];
    for (const issue of error.issues) {
        const path = issue.path.filter((p) => typeof p !== 'symbol');
        if (issue.code === 'unrecognized_keys') {
            for (const key of issue.keys)
                out.push(source.issueAt(path, `unknown key ${JSON.stringify(key)}`, key));
        }
        else if (issue.code === 'invalid_union' && path[path.length - 1] === 'kind') {
            out.push(source.issueAt(path, `unknown check kind; expected one of ${PROBE_KINDS.join(', ')}`));
        }
        else {
            out.push(source.issueAt(path, issue.message));
        }
    }
    return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
/** Parses and validates rsguard YAML text; throws ConfigError naming file, line and field. */
export function loadYamlText(file, text) {
    const parsed = YamlSource.parse(file, text);
    if (!parsed.source)
        throw new ConfigError(parsed.issues);
    const source = parsed.source;
    const read = source.data();
    if (read.issue)
        throw new ConfigError([read.issue]);
    const data = read.value;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new ConfigError([{ file, line: 1, message: 'expected a mapping with global and virtualServices' }]);
    }
    const result = configSchema.safeParse(data);
    if (!result.success)
        throw new ConfigError(zodIssues(source, result.error));
    const { model, issues } = buildModel(result.data, file);
    if (!model)
        throw new ConfigError(issues.map((i) => source.issueAt(i.path, i.message)));
    return model;
}
/** Reads global.apiTokenFile, so the token need not sit in the config itself. */
async function withTokenFile(model) {
    const path = model.global.apiTokenFile;
    if (!path || model.global.apiToken)
        return model;
    try {
        const token = (await readFile(path, 'utf8')).trim();
        if (token.length < 16)
            throw new Error('token shorter than 16 characters');
        return { ...model, global: { ...model.global, apiToken: token } };
    }
    catch (err) {
        throw new ConfigError([{ file: model.source, path: 'global.apiTokenFile', message: `cannot use ${path}: ${err.code ?? err.message}` }]);
    }
}
async function readConfigFile(file) {
    try {
        return await readFile(file, 'utf8');
    }
    catch (err) {
        throw new ConfigError([{ file, message: `cannot read: ${err.code ?? err.message}` }]);
    }
}
/** Loads any supported config file into the model. */
export async function loadConfig(file, format, opts = {}) {
    const text = await readConfigFile(file);
    const kind = format ?? sniffFormat(file, text);
    let model;
    switch (kind) {
        case 'yaml':
            model = loadYamlText(file, text);
            break;
        case 'ldirectord':
            model = modelFromImport(await importLdirectord(file, text), file, 'ldirectord');
            break;
        case 'keepalived':
            model = modelFromImport(await importKeepalived(file, opts.configId), file, 'keepalived');
            break;
    }
    if (opts.apiTokenFile && !model.global.apiToken && !model.global.apiTokenFile)
        model = { ...model, global: { ...model.global, apiTokenFile: opts.apiTokenFile } };
    return withTokenFile(model);
}
/** Runs an importer: the same input object rsguard YAML gives, for `rsguard import`. */
export async function importConfig(file, format, configId) {
    const text = await readConfigFile(file);
    const kind = format ?? sniffFormat(file, text);
    if (kind === 'yaml')
        throw new ConfigError([{ file, message: 'already rsguard YAML: nothing to import' }]);
    const result = kind === 'ldirectord' ? await importLdirectord(file, text) : await importKeepalived(file, configId);
    modelFromImport(result, file, kind);
    return result;
}
function lineOf(lines, path) {
    for (let n = path.length; n >= 0; n--) {
        const line = lines.get(formatPath(path.slice(0, n)));
        if (line !== undefined)
            return line;
    }
    return undefined;
}
/** Validates an imported input with the same schema and model builder as YAML; errors keep the source line. */
function modelFromImport(result, file, format) {
    if (result.errors.length)
        throw new ConfigError(result.errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
    const where = (path, message) => ({ file, line: lineOf(result.lines, path), path: formatPath(path), message });
    const parsed = configSchema.safeParse(result.input);
    if (!parsed.success)
        throw new ConfigError(parsed.error.issues.map((i) => where(i.path.filter((p) => typeof p !== 'symbol'), i.message)));
    const { model, issues } = buildModel(parsed.data, file);
    if (!model)
        throw new ConfigError(issues.map((i) => where(i.path, i.message)));
    return { ...model, format, warnings: result.warnings };
}
//# sourceMappingURL=load.js.map