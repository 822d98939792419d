import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../lib/atomic-write.js';
import path from 'node:path';
export function fileOwnership(file) {
    return {
        async load() {
            let text;
            try {
                text = await readFile(file, 'utf8');
            }
            catch (err) {
                if (err.code === 'ENOENT')
                    return new Set();
                throw err;
            }
            const doc = JSON.parse(text);
            if (doc.version !== 1 || !Array.isArray(doc.services) || !doc.services.every((s) => typeof s === 'string'))
                throw new Error(`${file}: not an rsguard ownership file`);
            return new Set(doc.services);
        },
        async save(keys) {
            await mkdir(path.dirname(file), { recursive: true });
            const doc = { version: 1, services: [...keys].sort() };
            await writeFileAtomic(file, `${JSON.stringify(doc)}\n`);
        },
    };
}
/** Owns nothing and remembers nothing (dry run, tests of other things). */
export const noOwnership = { load: async () => new Set(), save: async () => { } };
//# sourceMappingURL=ownership.js.map