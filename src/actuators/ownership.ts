import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../lib/atomic-write.js';
import path from 'node:path';

/**
 * Which balancer objects rsguard created, kept on disk so that a restart (or
 * a crash) still knows: cleanStop removes only those, and objects that were
 * there before rsguard are adopted for weights but never deleted.
 */
export interface OwnershipStore {
  load(): Promise<Set<string>>;
  save(keys: ReadonlySet<string>): Promise<void>;
}

interface OwnedFile {
  version: 1;
  services: string[];
}

export function fileOwnership(file: string): OwnershipStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
        throw err;
      }
      const doc = JSON.parse(text) as Partial<OwnedFile>;
      if (doc.version !== 1 || !Array.isArray(doc.services) || !doc.services.every((s) => typeof s === 'string')) throw new Error(`${file}: not an rsguard ownership file`);
      return new Set(doc.services);
    },
    async save(keys) {
      await mkdir(path.dirname(file), { recursive: true });
      const doc: OwnedFile = { version: 1, services: [...keys].sort() };
      await writeFileAtomic(file, `${JSON.stringify(doc)}\n`);
    },
  };
}

/** Owns nothing and remembers nothing (dry run, tests of other things). */
export const noOwnership: OwnershipStore = { load: async () => new Set(), save: async () => {} };
