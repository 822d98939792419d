import type { ConfigIssue } from '../errors.js';
import { number, type KaNode } from './keepalived-parser.js';
import { unknownKeyword, type KaSink } from './keepalived-sink.js';

/** Top-level `track_file NAME { file PATH; weight W [reverse] }` blocks, which FILE_CHECK names. */
export type TrackFiles = Map<string, { path: string; weight: number; reverse: boolean }>;

/** `weight N [reverse|noreverse]`, in a track_file block or a FILE_CHECK. */
function weightOf(c: KaNode, errors: ConfigIssue[]): { weight: number | undefined; reverse: boolean } {
  if (c.args[1] !== undefined && c.args[1] !== 'reverse' && c.args[1] !== 'noreverse') {
    errors.push({ file: c.file, line: c.line, path: c.key, message: `expected "weight N [reverse|noreverse]", got ${JSON.stringify(c.args.join(' '))}` });
  }
  return { weight: number(c, errors, -65535), reverse: c.args[1] === 'reverse' };
}

/** The track_file blocks (keepalived's VRRP side uses them too, and keepalived runs that). */
export function readTrackFiles(nodes: KaNode[], errors: ConfigIssue[]): TrackFiles {
  const out: TrackFiles = new Map();
  for (const n of nodes) {
    if (n.key !== 'track_file' || !n.args[0]) continue;
    let path: string | undefined;
    let weight = 1;
    let reverse = false;
    for (const c of n.children ?? []) {
      if (c.key === 'file') path = c.args[0];
      else if (c.key === 'weight') ({ weight = 1, reverse } = weightOf(c, errors));
    }
    if (!path?.startsWith('/')) errors.push({ file: n.file, line: n.line, path: 'track_file', message: `track_file ${n.args[0]} needs "file /absolute/path"` });
    else out.set(n.args[0], { path, weight, reverse });
  }
  return out;
}

/**
 * FILE_CHECK { track_file NAME; weight W [reverse] }: the named track_file's
 * value, read every second here (keepalived watches it with inotify); its own
 * weight, when not set, is the track_file's.
 */
export function fileCheck(node: KaNode, trackFiles: TrackFiles, sink: KaSink): Array<Record<string, unknown>> {
  const { errors } = sink;
  let name: string | undefined;
  let weight: number | undefined;
  let reverse: boolean | undefined;
  for (const c of node.children ?? []) {
    if (c.key === 'track_file') name = c.args[0];
    else if (c.key === 'weight') ({ weight, reverse } = weightOf(c, errors));
    // check_file.c install_file_check_keyword registers track_file and weight only.
    else unknownKeyword(sink, c);
  }
  const tf = name === undefined ? undefined : trackFiles.get(name);
  if (!tf) {
    errors.push({ file: node.file, line: node.line, path: node.key, message: name === undefined ? 'FILE_CHECK needs track_file NAME' : `no track_file ${JSON.stringify(name)} block` });
    return [];
  }
  const w = weight ? weight : tf.weight;
  const rev = weight ? Boolean(reverse) : tf.reverse;
  return [{ kind: 'file', path: tf.path, weight: w, reverse: rev, interval: '1s', timeout: '1s', retryInterval: '1s', fall: 1, rise: 1 }];
}
