/**
 * The one change the differential IPVS test (test/differential/ipvs.test.ts)
 * makes to a config before both tools run it: long check timers are shortened,
 * so a real server taken down is noticed within seconds under emulation. Both
 * the original tool and rsguard read the same rewritten copy, and every
 * rewrite is listed in the report, so the comparison stays like for like.
 *
 * keepalived: delay_loop at most 2 s, delay_before_retry at most 1 s
 * (keepalived.conf(5)). connect_timeout is left alone: a real server taken
 * away fails at once (no route), and under emulation a short timeout would
 * fail live servers too (keepalived's SMTP_CHECK read timeouts at 3 s).
 * ldirectord: checkinterval at most 2 s (ldirectord(8); checktimeout and
 * negotiatetimeout are left alone: the listeners answer at once).
 */
export interface Rewritten {
  text: string;
  /** `line 12: delay_loop 6 -> 2`, one per change. */
  rewrites: string[];
}

const KEEPALIVED_CAPS: Record<string, number> = { delay_loop: 2, delay_before_retry: 1 };
const LDIRECTORD_CAPS: Record<string, number> = { checkinterval: 2 };

export function rewriteTimers(tool: 'keepalived' | 'ldirectord', text: string): Rewritten {
  const rewrites: string[] = [];
  const lines = text.split('\n').map((line, i) => {
    if (tool === 'keepalived') {
      // A keyword, then a number: `delay_loop 6`, also inside a one-line block `{ delay_loop 6 }`.
      return line.replace(/(^|[\s{])(delay_loop|delay_before_retry)(\s+)(\d+(?:\.\d+)?)(?=\s|}|$)/g, (m, pre: string, key: string, sp: string, value: string) => {
        const cap = KEEPALIVED_CAPS[key]!;
        if (Number(value) <= cap) return m;
        rewrites.push(`line ${i + 1}: ${key} ${value} -> ${cap}`);
        return `${pre}${key}${sp}${cap}`;
      });
    }
    // ldirectord.cf: `checkinterval = 10`, global or inside a virtual (leading white space kept).
    return line.replace(/^(\s*)(checkinterval)(\s*=\s*)(\d+)(\s*)$/, (m, pre: string, key: string, eq: string, value: string, post: string) => {
      const cap = LDIRECTORD_CAPS[key]!;
      if (Number(value) <= cap) return m;
      rewrites.push(`line ${i + 1}: ${key}=${value} -> ${cap}`);
      return `${pre}${key}${eq}${cap}${post}`;
    });
  });
  return { text: lines.join('\n'), rewrites };
}

/**
 * ldirectord's default checkinterval is 10 s (ldirectord(8)): a file that sets
 * none gets a global `checkinterval=2` line first, which is rewriting too.
 */
export function withLdirectordInterval(r: Rewritten): Rewritten {
  if (/^\s*checkinterval\s*=/m.test(r.text)) return r;
  return { text: `checkinterval=2\n${r.text}`, rewrites: [...r.rewrites, 'line 0: checkinterval=2 added (default 10)'] };
}

/** keepalived's delay_loop default is 60 s (check_data.c): a virtual_server without one gets `delay_loop 2`. */
export function withKeepalivedDelayLoop(r: Rewritten): Rewritten {
  const out: string[] = [];
  const rewrites = [...r.rewrites];
  const lines = r.text.split('\n');
  let depth = 0;
  let vsStart = -1;
  let vsLine = 0;
  let vsHasLoop = false;
  let vsContinued = false;
  lines.forEach((line, i) => {
    const code = line.replace(/[!#].*$/, '');
    if (depth === 0 && /^\s*virtual_server\s/.test(code) && code.includes('{')) {
      vsStart = out.length;
      vsLine = i + 1;
      vsHasLoop = false;
      // Inside a multiline $NAME definition every line ends with a backslash: so must the inserted one, or it ends the definition.
      vsContinued = /\\\s*$/.test(line);
    }
    if (vsStart >= 0 && /(^|[\s{])delay_loop\s/.test(code)) vsHasLoop = true;
    out.push(line);
    for (const ch of code) {
      if (ch === '{') depth++;
      else if (ch === '}') {
        depth--;
        if (depth === 0 && vsStart >= 0) {
          if (!vsHasLoop) {
            // Right after the opening line: keepalived takes delay_loop anywhere in the block.
            out.splice(vsStart + 1, 0, `    delay_loop 2${vsContinued ? ' \\' : ''}`);
            rewrites.push(`line ${i + 1}: delay_loop 2 added to the virtual_server of line ${vsLine} (default 60)`);
          }
          vsStart = -1;
        }
      }
    }
  });
  return { text: out.join('\n'), rewrites };
}

