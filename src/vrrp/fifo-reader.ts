import { execFile } from 'node:child_process';
import { closeSync, constants, createReadStream, openSync, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseFifoLine, type FifoLine } from '../model/vrrp-event.js';

const MAX_LINE = 4096;

/**
 * Reads keepalived's notify_fifo. Opening a FIFO waits for a writer and reads
 * end when the last writer closes, so the reader reopens until stopped.
 * The FIFO is created if missing (keepalived would create it too).
 */
export function readKeepalivedFifo(file: string, onLine: (l: FifoLine) => void, onError: (err: Error) => void, clock: () => number = Date.now): { stop(): void } {
  let stopped = false;
  let stream: ReadStream | undefined;
  const open = async () => {
    if (stopped) return;
    try {
      const st = await stat(file).catch(() => undefined);
      if (!st) await new Promise<void>((resolve, reject) => execFile('mkfifo', ['-m', '0600', file], (err) => (err ? reject(err) : resolve())));
      else if (!st.isFIFO()) throw new Error(`${file} exists and is not a FIFO`);
    } catch (err) {
      onError(err as Error);
      return;
    }
    stream = createReadStream(file, { encoding: 'utf8', highWaterMark: MAX_LINE });
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (line.length > MAX_LINE) return onLine({ type: 'invalid', reason: `line longer than ${MAX_LINE} bytes` });
      if (line.trim()) onLine(parseFifoLine(line, clock()));
    });
    stream.once('error', (err) => onError(err));
    stream.once('close', () => {
      if (!stopped) setTimeout(() => void open(), 100);
    });
  };
  void open();
  return {
    stop() {
      stopped = true;
      stream?.destroy();
      // A reader blocked in open() on a FIFO with no writer is released by opening it for writing once.
      // Non-blocking: with no reader waiting it fails at once (ENXIO) instead of waiting for one forever
      // (a helper process used here outlived the daemon, stuck in that open).
      try {
        closeSync(openSync(file, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        /* no reader was waiting */
      }
    },
  };
}
