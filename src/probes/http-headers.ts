/**
 * A response's header lines, read the way HAProxy reads them for checks
 * (http_htx.c __http_find_header, http_get_htx_hdr): names compared without
 * case, values without the blanks around them; `hdr` takes each
 * comma-separated value (a comma inside double quotes is not a delimiter),
 * `fhdr` the whole line.
 */
export interface HeaderLine {
  /** Lower case, as HAProxy's HTX stores them. */
  name: string;
  value: string;
}

const isLws = (c: number) => c === 0x20 || c === 0x09;

function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isLws(s.charCodeAt(a))) a++;
  while (b > a && isLws(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/** The header lines of a response head (status line first, CRLF or LF lines, no final blank line). */
export function headerLines(head: string): HeaderLine[] {
  const out: HeaderLine[] = [];
  for (const line of head.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push({ name: line.slice(0, colon).trim().toLowerCase(), value: trimLws(line.slice(colon + 1)) });
  }
  return out;
}

/** The comma-separated values of one header line (http_find_hdr_value_end: quoted strings and their backslash pairs kept whole). */
export function splitValues(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  let pair = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (pair) pair = false;
    else if (quoted) {
      if (c === '\\') pair = true;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(trimLws(value.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(trimLws(value.slice(start)));
  return out;
}

/** Every value of the headers whose name passes `nameMatches`, in order: each line whole (`full`), else each of its comma-separated values. */
export function* headerValues(lines: readonly HeaderLine[], nameMatches: (name: string) => boolean, full: boolean): Generator<string> {
  for (const h of lines) {
    if (!nameMatches(h.name)) continue;
    if (full) yield h.value;
    else yield* splitValues(h.value);
  }
}

/**
 * The sample fetches `res.hdr(name[,occ])` and `res.fhdr(name[,occ])`: the
 * occurrence counted from the first (1) or from the last (-1, the default;
 * HAProxy keeps the last 10 only); undefined when there is none (the fetch fails).
 */
export function fetchHeader(lines: readonly HeaderLine[], name: string, full: boolean, occurrence = -1): string | undefined {
  if (occurrence < -10) return undefined;
  const lower = name.toLowerCase();
  const values = [...headerValues(lines, (n) => n === lower, full)];
  const i = occurrence > 0 ? occurrence - 1 : values.length + occurrence;
  return i >= 0 && i < values.length ? values[i] : undefined;
}
