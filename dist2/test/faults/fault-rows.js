import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/daemon-process.js';
export const FAULT_ROWS = path.join(ROOT, 'dist', 'fault-rows.jsonl');
export function recordFault(row) {
    appendFileSync(FAULT_ROWS, `${JSON.stringify(row)}\n`);
}
export function readFaultRows() {
    try {
        return readFileSync(FAULT_ROWS, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    }
    catch {
        return [];
    }
}
//# sourceMappingURL=fault-rows.js.map