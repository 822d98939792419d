import { unwatchFile, watchFile } from 'node:fs';

/**
 * ldirectord's autoreload: the file's mtime is polled (fs.watch misses
 * editors that replace the file) and a change reloads it. Returns the stop.
 */
export function watchForReload(file: string, enabled: boolean, reload: () => unknown): () => void {
  if (!enabled) return () => undefined;
  let lastMtime = 0;
  const onFileChange = (curr: { mtimeMs: number }) => {
    if (curr.mtimeMs === lastMtime || curr.mtimeMs === 0) return;
    lastMtime = curr.mtimeMs;
    void reload();
  };
  watchFile(file, { interval: 2000 }, onFileChange);
  return () => unwatchFile(file, onFileChange);
}
