import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
/**
 * Writes a file whole or not at all: into `<file>.tmp` first, then renamed
 * over it, so a crash (or a full disk) leaves the old file or the new one,
 * never half of one; a half-written temporary is removed.
 */
export async function writeFileAtomic(file, data, mode) {
    const tmp = `${file}.tmp`;
    try {
        await writeFile(tmp, data, mode === undefined ? undefined : { mode });
        await rename(tmp, file);
    }
    catch (err) {
        await rm(tmp, { force: true });
        throw err;
    }
}
/** The same, synchronously: for writes that must be on disk before the caller goes on (spool, check states). */
export function writeFileAtomicSync(file, data, mode) {
    const tmp = `${file}.tmp`;
    try {
        writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
        renameSync(tmp, file);
    }
    catch (err) {
        rmSync(tmp, { force: true });
        throw err;
    }
}
//# sourceMappingURL=atomic-write.js.map