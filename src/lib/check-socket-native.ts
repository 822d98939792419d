import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The native check-socket addon (native/check-socket.c): a TCP socket with
 * quick ACK off, made before libuv's handle connects, as HAProxy makes its
 * check sockets. Built by `npm run build` where a C compiler is found
 * (scripts/build-native.ts) into dist/native/; without it (or with
 * RSGUARD_CHECK_QUICKACK=on) rsguard's check sockets are libuv's own, with the
 * kernel's default quick ACK.
 */
interface CheckSocketAddon {
  /** A non-blocking TCP socket with TCP_QUICKACK 0, or -errno. */
  checkSocket(family: number): number;
  closeFd(fd: number): void;
}

/** dist/src/lib/ -> dist/native/check-socket.node. */
export const ADDON_PATH = fileURLToPath(new URL('../../native/check-socket.node', import.meta.url));

function load(): CheckSocketAddon | undefined {
  if (process.env.RSGUARD_CHECK_QUICKACK === 'on' || process.platform !== 'linux' || !existsSync(ADDON_PATH)) return undefined;
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as Partial<CheckSocketAddon>;
    return typeof addon.checkSocket === 'function' && typeof addon.closeFd === 'function' ? (addon as CheckSocketAddon) : undefined;
  } catch {
    // Built for another Node-API or libc, or not loadable in this thread: libuv's own sockets.
    return undefined;
  }
}

export const checkSocketAddon = load();
