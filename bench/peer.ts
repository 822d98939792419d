/** What the core bench needs of a checker it measures (rsguard, or HAProxy as the reference). */
export interface PeerSettings {
  kind: 'http' | 'tcp';
  ports: number[];
  intervalMs: number;
}

export interface CheckerPeer {
  name: string;
  /** The process whose CPU and RSS are read from /proc: all its threads and all its descendants (keepalived's checker child). */
  pid: number;
  /** The process whose main thread runs the checks' event loop, when not `pid` (keepalived's checker child). */
  mainPid?: number;
  alive(): boolean;
  /** Failed checks so far, by the checker's own count (from `metrics`, lag()'s text, when given: one scrape, not two). */
  failures(metrics?: string): Promise<number>;
  /** Checks that could not be judged (rsguard's check errors: overload, descriptors...); HAProxy and keepalived have none. */
  checkErrors?(metrics?: string): Promise<number>;
  /** Schedule-lag histogram text, where the checker has one (rsguard's /metrics). */
  lag(): Promise<string | undefined>;
  stop(): Promise<void>;
}
