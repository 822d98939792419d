/**
 * Files a probe reads once and keeps (a CA bundle, /etc/passwd): a probe must
 * not do file I/O every round. Every such cache is made here, so one call
 * forgets them all: the daemon does on each reload (SIGHUP), so a rotated CA
 * or a user added since is read again, as an admin expects of a reload.
 */
const caches = new Set<Map<string, unknown>>();

/** `read(key)` once per key until the next forgetReadOnce(). A throw is not kept: the next call tries again. */
export function readOnce<T>(read: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  caches.add(cache as Map<string, unknown>);
  return (key) => {
    if (cache.has(key)) return cache.get(key) as T;
    const value = read(key);
    cache.set(key, value);
    return value;
  };
}

/** Drops what every readOnce cache holds. */
export function forgetReadOnce(): void {
  for (const c of caches) c.clear();
}
