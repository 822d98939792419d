import { readdirSync } from 'node:fs';
import path from 'node:path';

/** A glob(3) file-name pattern as a RegExp: `*`, `?`, `[abc]`/`[!a-z]`; an unclosed `[` is a plain character, as in glob. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[' && glob.indexOf(']', i + 2) > i) {
      const end = glob.indexOf(']', i + 2);
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
  }
  try {
    return new RegExp(`^${out}$`);
  } catch {
    // A class glob(3) would reject too ([z-a]): match the name literally.
    return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\*?]/g, '\\$&')}$`);
  }
}

/** keepalived chdir()s into each file's directory, so a relative include is relative to the file it is written in. */
export function expandInclude(pattern: string, from: string): string[] {
  const full = path.resolve(path.dirname(from), pattern);
  if (!/[*?[]/.test(path.basename(full))) {
    try {
      readdirSync(path.dirname(full));
    } catch {
      return [];
    }
    return [full];
  }
  const dir = path.dirname(full);
  const re = globToRegExp(path.basename(full));
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    /* no such directory: no match */
  }
  return names.filter((n) => re.test(n)).sort().map((n) => path.join(dir, n));
}
