import { readFileSync } from 'node:fs';
import { LocalFault } from './outcome.js';
import { readOnce } from './read-once.js';

const read = readOnce((path) => readFileSync(path, 'utf8'));

/**
 * A CA bundle's contents, read once per path until the next reload (see
 * read-once.ts): a probe must not do file I/O every round. A file that
 * cannot be read is this host's fault, not the server's: the throw below is
 * the probe's check error (never a down).
 */
export function caFile(path: string): string {
  return pemFile(path, 'CA');
}

/** Any PEM file a TLS check reads (CA, client certificate, key, CRL), read once per path until the next reload, a failure too. */
export function pemFile(path: string, what: string): string {
  try {
    return read(path);
  } catch (err) {
    // This host's file, not the server's health: the check cannot run.
    throw new LocalFault(`cannot read ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

