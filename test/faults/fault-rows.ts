import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/daemon-process.js';

/**
 * One row per fault or hostile-input family, appended by each fault test and
 * printed as one table by summary.test (npm test removes the file first).
 * Every count of harm (transitions lost, mails lost or sent twice, pool
 * flaps, crashes) must be zero.
 */
export interface FaultRow {
  fault: string;
  /** Faults injected or inputs tried. */
  tried: number;
  transitionsLost: number;
  mailsLost: number;
  mailsDuplicated: number;
  poolFlaps: number;
  crashes: number;
  note: string;
}

export const FAULT_ROWS = path.join(ROOT, 'dist', 'fault-rows.jsonl');

export function recordFault(row: FaultRow): void {
  appendFileSync(FAULT_ROWS, `${JSON.stringify(row)}\n`);
}

export function readFaultRows(): FaultRow[] {
  try {
    return readFileSync(FAULT_ROWS, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FaultRow);
  } catch {
    return [];
  }
}
