import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes a file whole or not at all: into `<file>.tmp` first, then renamed
 * over it, so a crash (or a full disk) leaves the old file or the new one,
 * never half of one; a half-written temporary is removed. The temporary's
 * name is this write's own (pid and a count): two writes of one file at once
 * (two saves in flight, two processes sharing a state directory) each rename
 * their own whole file instead of one renaming the other's away (ENOENT).
 */
let writes = 0;
const tmpName = (file: string) => `${file}.${process.pid}.${++writes}.tmp`;

export async function writeFileAtomic(file: string, data: string, mode?: number): Promise<void> {
  const tmp = tmpName(file);
  try {
    await writeFile(tmp, data, mode === undefined ? undefined : { mode });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The same, synchronously: for writes that must be on disk before the caller goes on (spool, check states). */
export function writeFileAtomicSync(file: string, data: string, mode?: number): void {
  const tmp = tmpName(file);
  try {
    writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
