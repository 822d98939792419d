/**
 * Waits for `p`, or `ms` at most: what a slow dependency (a hung Redis, an
 * SMTP server that does not answer) may delay, never for ever. The timer is
 * cleared when `p` settles first, so nothing is left armed. A rejection of
 * `p` is passed on.
 */
export function waitAtMost(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p.then(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}
