import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../lib/atomic-write.js';
import path from 'node:path';

/**
 * What of the balancer is rsguard's, kept on disk so that a restart (or a
 * crash) still knows. `services`: the objects it created; cleanStop and a
 * reload that drops them from the config delete only those, and objects
 * that were there before rsguard are adopted for weights but never deleted.
 * `members`: per object, the members it manages (those its config named
 * while it ran, and those it added); any other member is someone else's,
 * and is left in place unless the config asks for the whole truth.
 */
export interface Owned {
  services: ReadonlySet<string>;
  members: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface OwnershipStore {
  load(): Promise<Owned>;
  save(owned: Owned): Promise<void>;
}

export const NOTHING_OWNED: Owned = { services: new Set(), members: new Map() };

/** Version 1 (services only) is still read: its services keep their claim, their members are learnt again from the config. */
interface OwnedFile {
  version: 1 | 2;
  services: string[];
  members?: Record<string, string[]>;
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

export function parseOwned(text: string, file: string): Owned {
  const doc = JSON.parse(text) as Partial<OwnedFile>;
  const members = doc.members ?? {};
  const ok = (doc.version === 1 || doc.version === 2) && strings(doc.services) && typeof members === 'object' && members !== null && Object.values(members).every(strings);
  if (!ok) throw new Error(`${file}: not an rsguard ownership file`);
  return { services: new Set(doc.services), members: new Map(Object.entries(members).map(([k, v]) => [k, new Set(v)])) };
}

/** Sorted, so an unchanged record is the same text: callers compare it to skip needless writes. */
export function formatOwned(owned: Owned): string {
  const members: Record<string, string[]> = {};
  for (const k of [...owned.members.keys()].sort()) members[k] = [...owned.members.get(k)!].sort();
  const doc: OwnedFile = { version: 2, services: [...owned.services].sort(), members };
  return `${JSON.stringify(doc)}\n`;
}

export function fileOwnership(file: string): OwnershipStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return NOTHING_OWNED;
        throw err;
      }
      return parseOwned(text, file);
    },
    async save(owned) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, formatOwned(owned));
    },
  };
}

/** Owns nothing and remembers nothing (dry run, tests of other things). */
export const noOwnership: OwnershipStore = { load: async () => NOTHING_OWNED, save: async () => {} };
