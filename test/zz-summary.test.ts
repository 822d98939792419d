import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFaultRows } from './faults/fault-rows.js';

/**
 * Runs last (node --test sorts files by path, and this one sorts after test/unit): prints the fault suite's table, the one docs/operations.md
 * shows, and holds every count of harm at zero.
 */
describe('fault suite summary', () => {
  it('prints the table; no transition lost, no mail lost or sent twice, no pool flap, no crash', () => {
    const rows = readFaultRows();
    assert.ok(rows.length > 0, 'no fault test recorded a row (run the whole suite: npm test)');
    const header = '| fault | injected / tried | transitions lost | mails lost | mails twice | pool flaps | crashes | result |';
    const lines = [header, '|---|---|---|---|---|---|---|---|', ...rows.map((r) => `| ${r.fault} | ${r.tried} | ${r.transitionsLost} | ${r.mailsLost} | ${r.mailsDuplicated} | ${r.poolFlaps} | ${r.crashes} | ${r.note} |`)];
    const total = (k: 'tried' | 'transitionsLost' | 'mailsLost' | 'mailsDuplicated' | 'poolFlaps' | 'crashes') => rows.reduce((n, r) => n + r[k], 0);
    lines.push(`| **total** | ${total('tried')} | ${total('transitionsLost')} | ${total('mailsLost')} | ${total('mailsDuplicated')} | ${total('poolFlaps')} | ${total('crashes')} | |`);
    process.stdout.write(`# fault suite\n${lines.map((l) => `# ${l}`).join('\n')}\n`);
    for (const k of ['transitionsLost', 'mailsLost', 'mailsDuplicated', 'poolFlaps', 'crashes'] as const) assert.equal(total(k), 0, k);
  });
});
