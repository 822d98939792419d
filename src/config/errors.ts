/** One problem in a config file, located by line when known, else by field path. */
export interface ConfigIssue {
  file: string;
  line?: number;
  column?: number;
  /** Field path like `virtualServices[0].realServers[1].weight`, or a directive name for imported formats. */
  path?: string;
  message: string;
  /**
   * A feature rsguard does not have (BFD_CHECK, service=oracle), not a broken
   * line: `rsguard import` still writes the YAML, with this part marked
   * `unsupported:` (which will not load) and what to write instead.
   */
  unsupported?: { replaceWith: string };
  /** A tolerated issue the original tool refuses, and rsguard loads on purpose (a name that does not resolve yet). */
  departs?: true;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line !== undefined ? `${issue.file}:${issue.line}${issue.column !== undefined ? `:${issue.column}` : ''}` : issue.file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}
