import { readFileSync } from 'node:fs';

/**
 * The command line the profile summaries share: `NAME FILE... [--top N]`,
 * each file read as JSON and checked by `load` (which throws to refuse it),
 * then printed under its name. A bad file is named with why, exit 1; bad
 * arguments print the usage, exit 2.
 */
export function summaryCli<T>(name: string, fileKind: string, defaultTop: number, load: (json: unknown) => T, render: (data: T, top: number) => string): void {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : defaultTop;
  if (args.length === 0 || !Number.isInteger(top) || top < 1) {
    process.stderr.write(`usage: ${name} FILE${fileKind}... [--top N]\n`);
    process.exit(2);
  }
  for (const file of args) {
    let data: T;
    try {
      data = load(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      process.stderr.write(`${file}: ${(err as Error).message}\n`);
      process.exit(1);
    }
    process.stdout.write(`## ${file}\n${render(data, top)}\n\n`);
  }
}
