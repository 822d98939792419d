/**
 * Files a probe reads once and keeps (a CA bundle, /etc/passwd): a probe must
 * not do file I/O every round. Every such cache is made here, so one call
 * forgets them all: the daemon does on each reload (SIGHUP), so a rotated CA
 * or a user added since is read again, as an admin expects of a reload.
 */
const caches = new Set<Map<string, unknown>>();

/**
 * `read(key)` once per key until the next forgetReadOnce(). A throw is kept
 * too, and thrown again: an unreadable file stays unreadable until the admin
 * fixes it and reloads, and every probe of every round must not try it again.
 */
export function readOnce<T>(read: (key: string) => T): (key: string) => T {
  const cache = new Map<string, Read<T>>();
  caches.add(cache as Map<string, unknown>);
  return (key) => {
    let r = cache.get(key);
    if (!r) {
      try {
        r = { value: read(key) };
      } catch (err) {
        r = { failed: err };
      }
      cache.set(key, r);
    }
    if ('failed' in r) throw r.failed;
    return r.value;
  };
}

type Read<T> = { value: T } | { failed: unknown };

/** Drops what every readOnce cache holds. */
export function forgetReadOnce(): void {
  for (const c of caches) c.clear();
}
