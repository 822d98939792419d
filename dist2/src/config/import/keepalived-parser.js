import { readdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
const MAX_INCLUDE_DEPTH = 8;
/** Splits one line into tokens: quoted strings stay whole, `{` and `}` stand alone, `#` and `!` start comments. */
export function tokenizeLine(line) {
    const out = [];
    const re = /"([^"]*)"|([{}])|([#!].*$)|([^\s{}"]+)/g;
    for (const m of line.matchAll(re)) {
        if (m[3] !== undefined)
            break;
        if (m[1] !== undefined)
            out.push(m[1]);
        else
            out.push(m[2] ?? m[4]);
    }
    return out;
}
/** A glob(3) file-name pattern as a RegExp: `*`, `?`, `[abc]`/`[!a-z]`; an unclosed `[` is a plain character, as in glob. */
export function globToRegExp(glob) {
    let out = '';
    for (let i = 0; i < glob.length; i++) {
        const c = glob[i];
        if (c === '*')
            out += '.*';
        else if (c === '?')
            out += '.';
        else if (c === '[' && glob.indexOf(']', i + 2) > i) {
            const end = glob.indexOf(']', i + 2);
            let body = glob.slice(i + 1, end);
            const negate = body.startsWith('!') || body.startsWith('^');
            if (negate)
                body = body.slice(1);
            out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
            i = end;
        }
        else
            out += c.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
    }
    try {
        return new RegExp(`^${out}$`);
    }
    catch {
        // A class glob(3) would reject too ([z-a]): match the name literally.
        return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\*?]/g, '\\$&')}$`);
    }
}
async function expandInclude(pattern, from) {
    const full = path.resolve(path.dirname(from), pattern);
    if (!/[*?[]/.test(path.basename(full)))
        return [full];
    const dir = path.dirname(full);
    const re = globToRegExp(path.basename(full));
    const names = await readdir(dir).catch(() => []);
    return names.filter((n) => re.test(n)).sort().map((n) => path.join(dir, n));
}
/**
 * keepalived's line preprocessing (parser.c): `@id`/`@^id` conditional lines,
 * `$NAME=value` definitions (the line defines, it is not a statement) and
 * `$NAME`/`${NAME}` substitution. Returns undefined for a line that is not
 * a statement.
 */
export function preprocessLine(raw, ctx) {
    let line = raw;
    const cond = /^\s*@(\^?)(\S+)\s*(.*)$/.exec(line);
    if (cond) {
        const matches = cond[2] === ctx.configId;
        if (cond[1] ? matches : !matches)
            return undefined;
        line = cond[3];
    }
    const def = /^\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (def) {
        ctx.defs.set(def[1], def[2]);
        return undefined;
    }
    if (ctx.defs.size && line.includes('$')) {
        line = line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, bare) => ctx.defs.get(braced ?? bare) ?? whole);
    }
    return line;
}
async function tokenizeFile(file, depth, errors, ctx, includedFrom) {
    let text;
    try {
        text = await readFile(file, 'utf8');
    }
    catch (err) {
        errors.push({ file: includedFrom?.file ?? file, line: includedFrom?.line, message: `cannot read ${file}: ${err.code ?? err.message}` });
        return [];
    }
    const tokens = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
        const line = preprocessLine(lines[i].replace(/\r$/, ''), ctx);
        if (line === undefined)
            continue;
        const words = tokenizeLine(line);
        if (!words.length)
            continue;
        if (words[0] === 'include') {
            if (depth >= MAX_INCLUDE_DEPTH) {
                errors.push({ file, line: i + 1, path: 'include', message: `includes nested deeper than ${MAX_INCLUDE_DEPTH}` });
                continue;
            }
            for (const pattern of words.slice(1))
                for (const f of await expandInclude(pattern, file))
                    tokens.push(...(await tokenizeFile(f, depth + 1, errors, ctx, { file, line: i + 1 })));
            continue;
        }
        words.forEach((w, j) => tokens.push({ text: w, file, line: i + 1, eol: j === words.length - 1 }));
    }
    return tokens;
}
/** Parses keepalived.conf (and its includes) into statements; unbalanced braces are errors with their line. */
export async function parseKeepalived(file, configId = hostname()) {
    const errors = [];
    const tokens = await tokenizeFile(file, 0, errors, { configId, defs: new Map() });
    let i = 0;
    const block = (closing) => {
        const nodes = [];
        while (i < tokens.length) {
            const t = tokens[i];
            if (t.text === '}') {
                i++;
                if (!closing)
                    errors.push({ file: t.file, line: t.line, message: 'unexpected }' });
                return nodes;
            }
            if (t.text === '{') {
                errors.push({ file: t.file, line: t.line, message: 'unexpected { without a keyword' });
                i++;
                continue;
            }
            const node = { key: t.text, args: [], file: t.file, line: t.line };
            i++;
            let ended = t.eol;
            while (!ended && i < tokens.length && tokens[i].text !== '{' && tokens[i].text !== '}') {
                node.args.push(tokens[i].text);
                ended = tokens[i].eol;
                i++;
            }
            // `{` on the same line, or alone on the next one, opens the statement's block.
            if (i < tokens.length && tokens[i].text === '{' && (!ended || tokens[i].eol)) {
                const open = tokens[i];
                i++;
                node.children = block(open);
            }
            nodes.push(node);
        }
        if (closing)
            errors.push({ file: closing.file, line: closing.line, message: 'this { is never closed' });
        return nodes;
    };
    const nodes = block(undefined);
    return { nodes, errors };
}
//# sourceMappingURL=keepalived-parser.js.map