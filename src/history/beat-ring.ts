/**
 * The recent history of one real server, in a fixed amount of memory: its
 * last BEATS check results (what each said and how long it took) and the
 * time it spent up and down, per minute for the last hour and per hour for
 * the last day. Everything lives in one Uint32Array allocated once, so a
 * server costs the same after a minute and after a month. Pure: times come
 * in with each call.
 */

/** What one check result meant for its server. */
export type Beat =
  /** Passed, server up. */
  | 'up'
  /** Failed, server down. */
  | 'down'
  /** Failed while the server is still up (soft: fall not reached). */
  | 'failing'
  /** Passed while the server is still down (soft: rise not reached). */
  | 'rising'
  /** The check could not run (rsguard's fault): says nothing of the server. */
  | 'error'
  /** The check ran and said nothing of the health (an agent with no up/down word, or not reached): the state held. */
  | 'neutral';

export const BEATS = 60;
const MINUTES = 60;
const HOURS = 24;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

const CODE: Record<Beat, number> = { up: 1, down: 2, failing: 3, rising: 4, error: 5, neutral: 6 };
const BEAT_OF = [undefined, 'up', 'down', 'failing', 'rising', 'error', 'neutral'] as const;
/** Char codes of the wire letters u d f r e n, by beat code. */
const LETTER_CODE = [0, 117, 100, 102, 114, 101, 110] as const;

// Layout of the one array: beat codes, beat durations (microseconds), then
// minute slots and hour slots as [slot id, up ms, known ms] triples.
const CODES_AT = 0;
const MICROS_AT = CODES_AT + BEATS;
const MINUTES_AT = MICROS_AT + BEATS;
const HOURS_AT = MINUTES_AT + 3 * MINUTES;
const WORDS = HOURS_AT + 3 * HOURS;
/** Bytes of history data per server (the array's payload; see bytesPerServer for the measured total). */
export const RING_PAYLOAD_BYTES = WORDS * 4;
/** A slot id no real minute or hour has (ids are counted from the epoch, far below 2^32 - 1). */
const EMPTY = 0xffffffff;

export type Health = 'up' | 'down';

function healthOf(b: Beat): Health | undefined {
  return b === 'up' || b === 'failing' ? 'up' : b === 'down' || b === 'rising' ? 'down' : undefined;
}

export interface Availability {
  /** Fraction of the known time the server was up (hard state), or null when no time is known. */
  ratio: number | null;
  /** Milliseconds the ratio is over (time with a check error or no result is not known). */
  knownMs: number;
}

export class BeatRing {
  private readonly words = new Uint32Array(WORDS);
  private count = 0;
  private next = 0;
  private lastAt = Number.NaN;
  /** The server's hard state after the latest beat that said one; undefined after a check error. */
  private health: Health | undefined;
  /** Up to when the time after lastAt may be attributed (lastAt + the gap allowed then). */
  private heldUntil = Number.NaN;
  private state: Health | undefined;
  private stateSince: number;

  /** `createdAt`: when rsguard started following this server; a state seen first is "since at least then". */
  constructor(readonly createdAt: number) {
    this.stateSince = createdAt;
    for (let i = 0; i < MINUTES; i++) this.words[MINUTES_AT + 3 * i] = EMPTY;
    for (let i = 0; i < HOURS; i++) this.words[HOURS_AT + 3 * i] = EMPTY;
  }

  /**
   * One check result. The time since the previous beat counts for the state
   * the previous beat left, but never more than `maxGapMs` of it (no result
   * for longer, as when the workers are away, is unknown time, not up time).
   * `held`: the hard state a neutral beat leaves (it says none of its own).
   */
  record(at: number, beat: Beat, durationMs: number, maxGapMs: number, held?: Health): void {
    const i = this.next;
    this.words[CODES_AT + i] = CODE[beat];
    this.words[MICROS_AT + i] = Math.min(EMPTY - 1, Math.max(0, Math.round(durationMs * 1000)));
    this.next = (i + 1) % BEATS;
    this.count = Math.min(BEATS, this.count + 1);
    // Results of a server's several checks can finish slightly out of order: time only moves forward.
    if (this.health && at > this.lastAt) this.attribute(this.lastAt, Math.min(at, this.heldUntil), this.health);
    if (!(at <= this.lastAt)) this.lastAt = at;
    const h = beat === 'neutral' ? held : healthOf(beat);
    this.health = h;
    this.heldUntil = this.lastAt + maxGapMs;
    if (h && h !== this.state) {
      // The first state seen keeps "since we started following"; a change is dated by its beat.
      if (this.state !== undefined) this.stateSince = at;
      this.state = h;
    }
  }

  /** The beats oldest first, and their durations in milliseconds. */
  beats(): Array<{ beat: Beat; durationMs: number }> {
    const out: Array<{ beat: Beat; durationMs: number }> = [];
    for (let k = 0; k < this.count; k++) {
      const i = (this.next - this.count + k + BEATS) % BEATS;
      out.push({ beat: BEAT_OF[this.words[CODES_AT + i]!]!, durationMs: this.words[MICROS_AT + i]! / 1000 });
    }
    return out;
  }

  /** The beats as letters (u d f r e n), oldest first: the wire form of the bar. */
  letters(): string {
    const codes = new Array<number>(this.count);
    for (let k = 0; k < this.count; k++) codes[k] = LETTER_CODE[this.words[CODES_AT + ((this.next - this.count + k + BEATS) % BEATS)]!]!;
    return String.fromCharCode(...codes);
  }

  /** The beats' durations in milliseconds rounded to 0.1 ms, oldest first (the page's sparkline: one array, no object per beat). */
  durationsMs(): number[] {
    const out = new Array<number>(this.count);
    for (let k = 0; k < this.count; k++) out[k] = Math.round(this.words[MICROS_AT + ((this.next - this.count + k + BEATS) % BEATS)]! / 100) / 10;
    return out;
  }

  /** The hard state the beats last said, and since when (`sinceStart`: it was so when rsguard began following the server). */
  current(): { state: Health; since: number; sinceStart: boolean } | undefined {
    return this.state ? { state: this.state, since: this.stateSince, sinceStart: this.stateSince === this.createdAt } : undefined;
  }

  /** Over the current minute and the 59 before it. */
  lastHour(now: number): Availability {
    return this.window(now, MINUTES_AT, MINUTES, MINUTE_MS);
  }

  /** Over the current hour and the 23 before it. */
  lastDay(now: number): Availability {
    return this.window(now, HOURS_AT, HOURS, HOUR_MS);
  }

  private window(now: number, at: number, slots: number, slotMs: number): Availability {
    const newest = Math.floor(now / slotMs);
    let up = 0;
    let known = 0;
    for (let s = 0; s < slots; s++) {
      const id = this.words[at + 3 * s]!;
      if (id === EMPTY || id > newest || id <= newest - slots) continue;
      up += this.words[at + 3 * s + 1]!;
      known += this.words[at + 3 * s + 2]!;
    }
    // The time since the last beat, in the state it left, as far as it may be held: a server down for
    // one long interval shows it now, not at its next result.
    if (this.health && now > this.lastAt) {
      const pending = Math.min(now, this.heldUntil) - Math.max(this.lastAt, (newest - slots + 1) * slotMs);
      if (pending > 0) {
        known += pending;
        if (this.health === 'up') up += pending;
      }
    }
    return { ratio: known > 0 ? up / known : null, knownMs: known };
  }

  private attribute(from: number, to: number, health: Health): void {
    this.spread(from, to, health, MINUTES_AT, MINUTES, MINUTE_MS);
    this.spread(from, to, health, HOURS_AT, HOURS, HOUR_MS);
  }

  /** Adds [from, to) to the slots it covers, a slot that held an older minute (hour) being reset first. */
  private spread(from: number, to: number, health: Health, at: number, slots: number, slotMs: number): void {
    // More than the whole window would only be overwritten: start where the window does.
    let t = Math.max(from, to - slots * slotMs);
    while (t < to) {
      const id = Math.floor(t / slotMs);
      const end = Math.min(to, (id + 1) * slotMs);
      const base = at + 3 * (id % slots);
      if (this.words[base] !== id) {
        this.words[base] = id;
        this.words[base + 1] = 0;
        this.words[base + 2] = 0;
      }
      const ms = end - t;
      this.words[base + 2] = this.words[base + 2]! + ms;
      if (health === 'up') this.words[base + 1] = this.words[base + 1]! + ms;
      t = end;
    }
  }
}
