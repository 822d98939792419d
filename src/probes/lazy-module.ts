import { LocalFault } from './outcome.js';

/**
 * A client library loaded on the first check that needs it. pg, mysql2,
 * ldapts and got (HTTP redirects used it then) cost about 25 MB of resident
 * memory together, paid by every rsguard that never runs such a check. A library that cannot be loaded is
 * this host's fault, not the server's: the check reports a check error (held
 * state), and the next check tries to load it again.
 */
export function lazyModule<T>(name: string, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw new LocalFault(`cannot load ${name}: ${(err as Error).message}`);
    }));
}
