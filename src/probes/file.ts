import { open } from 'node:fs/promises';
import { z } from 'zod';
import { defineProbe } from './kind.js';
import { checkError, fail, pass } from './outcome.js';
import type { ProbeResult } from './types.js';

export const fileSpec = z
  .object({
    /** The file an agent writes a number into (keepalived track_file `file`). */
    path: z.string().startsWith('/', 'must be an absolute path'),
    /**
     * 0: a non-zero value is down (zero up); otherwise the value times this
     * is added to the real server's weight (keepalived FILE_CHECK `weight`).
     */
    weight: z.number().int().min(-65535).max(65535).default(0),
    /** Invert: with weight 0, zero is down; otherwise the value counts negative. */
    reverse: z.boolean().default(false),
  })
  .strict();

/** keepalived reads the first 127 bytes (track_file.c). */
const READ_LIMIT = 127;

/** strtol(buf, NULL, 0): leading space, a sign, 0x hex, 0 octal or decimal; what follows the number is ignored; no number is 0. */
export function strtol(text: string): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) return 0;
  const digits = m[2]!;
  const v = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : parseInt(digits, 10);
  return m[1] === '-' ? -v : v;
}

/**
 * keepalived's FILE_CHECK, read every interval instead of on inotify: a
 * missing or empty file is 0, as in keepalived; a value out of 32-bit range
 * is ignored there, and is a check error here (the state is held).
 */
export const fileProbe = defineProbe({
  kind: 'file',
  spec: fileSpec,
  portless: true,
  run: async (_target, spec, { signal }): Promise<ProbeResult> => {
    const startedAt = performance.now();
    let text = '';
    try {
      const fh = await open(spec.path, 'r');
      try {
        const buf = Buffer.alloc(READ_LIMIT);
        const { bytesRead } = await fh.read(buf, 0, READ_LIMIT, 0);
        text = buf.toString('latin1', 0, bytesRead);
      } finally {
        await fh.close();
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code !== 'ENOENT') return checkError(startedAt, code === 'EACCES' || code === 'EPERM' ? 'permission' : code === 'EMFILE' || code === 'ENFILE' ? 'descriptors' : 'exception', `cannot read ${spec.path}: ${code || (err as Error).message}`);
    }
    if (signal.aborted) return fail(startedAt, 'timeout', 'timed out');
    const value = strtol(text);
    if (value < -(2 ** 31) || value > 2 ** 31) return checkError(startedAt, 'exception', `${spec.path}: ${value} is out of range, ignored as keepalived does`);
    if (spec.weight === 0) {
      const down = spec.reverse ? value === 0 : value !== 0;
      return down ? fail(startedAt, 'body', `${spec.path} holds ${value}`) : pass(startedAt, `${spec.path} holds ${value}`);
    }
    const delta = value * spec.weight * (spec.reverse ? -1 : 1);
    return { ...pass(startedAt, `${spec.path} holds ${value}: weight ${delta >= 0 ? '+' : ''}${delta}`), weightDelta: delta };
  },
});
