import v8 from 'node:v8';

/**
 * The V8 flags rsguard's long-running processes (`run`, `worker`) are meant
 * to start with; the `rsguard` command's first line, packaging/rsguard.service
 * and the Dockerfile give them (test/unit/heap-flags.test.ts holds the four
 * alike). Every check's new state lives one interval and dies in the old
 * generation, which V8 by default lets grow to about twice the live set
 * before collecting it, beside a young generation of up to 2 x 16 MB: at
 * 5,000 servers checked every second RSS was 190-270 MB for a live heap of
 * 40-50 MB. An old generation collected at 1.35x its live set and a young
 * one of 2 x 8 MB: 137-152 MB. The growing factor is what costs (old-gen
 * marking: HTTP checks about 10 % more CPU, TCP checks within the noise);
 * at 1.2x it cost 15-30 % for a few MB more; the young generation's size
 * alone costs nothing measurable (docs/benchmarks.md, "Memory").
 */
export const HEAP_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=35'] as const;

const nameOf = (flag: string) => flag.split('=')[0]!;

/** Whether node was started with this flag (command line or NODE_OPTIONS), whatever its value. */
function given(flag: string, execArgv: readonly string[], nodeOptions: string): boolean {
  // V8 takes --max_semi_space_size as well as --max-semi-space-size.
  const name = nameOf(flag);
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => nameOf(a).replace(/_/g, '-') === name);
}

/**
 * Sets, in a process already running, what V8 still takes then: the heap
 * growing factor is read at every collection, so `node cli.js run` started
 * any other way (an older unit, a container's own command, a test) gets it
 * too; a value the admin gave wins. The young generation's size is fixed
 * when the heap is made: a missing flag for it is logged (info) and returned.
 */
export function applyHeapFlags(
  log?: { info(obj: object, msg: string): void },
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): { applied: string[]; missing: string[] } {
  const applied: string[] = [];
  const missing: string[] = [];
  for (const flag of HEAP_FLAGS) {
    if (given(flag, execArgv, nodeOptions)) continue;
    if (nameOf(flag) === '--heap-growing-percent') {
      v8.setFlagsFromString(flag);
      applied.push(flag);
    } else missing.push(flag);
  }
  if (missing.length) log?.info({ missing }, 'node started without these flags (the rsguard command, packaging/rsguard.service and the Dockerfile give them): more RSS, same checks');
  return { applied, missing };
}
