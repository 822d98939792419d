/**
 * The man pages shipped with the package, each made from one of docs/ so the
 * page and the doc cannot say different things. package.json's "man" field
 * lists the same files (a test holds them together).
 */
export interface ManPage {
  /** The markdown it is made from, relative to the repository root. */
  source: string;
  /** The file written under dist/man/. */
  file: string;
  name: string;
  section: number;
  description: string;
}

export const MAN_PAGES: readonly ManPage[] = [
  { source: 'docs/commands.md', file: 'rsguard.8', name: 'rsguard', section: 8, description: 'health checks and failover for LVS/IPVS and HAProxy real servers' },
  { source: 'docs/configuration.md', file: 'rsguard.yaml.5', name: 'rsguard.yaml', section: 5, description: 'rsguard configuration file' },
];

export const MAN_DIR = 'dist/man';
