/**
 * Compares two `ipvsadm -Sn` dumps as sets of rules. ipvsadm prints services
 * in the kernel's hash order and real servers in the order they were added,
 * neither of which says anything about the configuration, so lines are
 * compared sorted; every line names its service, so nothing is lost.
 */
export function rules(table: string): string[] {
  return table
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

export interface TableDiff {
  equal: boolean;
  /** `only keepalived: -a -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 1`, the first by sort order, or ''. */
  first: string;
  onlyOrig: string[];
  onlyRsguard: string[];
}

export function diffTables(orig: string, rsguard: string, origName: string): TableDiff {
  const a = rules(orig);
  const b = rules(rsguard);
  const onlyOrig = a.filter((l) => !b.includes(l));
  const onlyRsguard = b.filter((l) => !a.includes(l));
  const first = [...onlyOrig.map((l) => `only ${origName}: ${l}`), ...onlyRsguard.map((l) => `only rsguard: ${l}`)].sort((x, y) => x.replace(/^only \S+: /, '').localeCompare(y.replace(/^only \S+: /, '')))[0] ?? '';
  return { equal: onlyOrig.length === 0 && onlyRsguard.length === 0, first, onlyOrig, onlyRsguard };
}

/** Number of virtual services (-A lines) in a dump. */
export function serviceCount(table: string | null): number {
  return table ? rules(table).filter((l) => l.startsWith('-A')).length : 0;
}
