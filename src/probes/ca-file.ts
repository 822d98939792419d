import { readFileSync } from 'node:fs';
import { LocalFault } from './outcome.js';

const cache = new Map<string, string>();

/**
 * A CA bundle's contents, read once per process per path: a probe must not do
 * file I/O every round. A file that cannot be read is this host's fault, not
 * the server's: the throw below is the probe's check error (never a down).
 */
export function caFile(path: string): string {
  return pemFile(path, 'CA');
}

/** Any PEM file a TLS check reads (CA, client certificate, key, CRL), read once per process per path. */
export function pemFile(path: string, what: string): string {
  let pem = cache.get(path);
  if (pem === undefined) {
    try {
      pem = readFileSync(path, 'utf8');
    } catch (err) {
      // This host's file, not the server's health: the check cannot run.
      throw new LocalFault(`cannot read ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    cache.set(path, pem);
  }
  return pem;
}

