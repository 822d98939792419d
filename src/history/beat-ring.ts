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

// Layout of the one array, kept small because there is one per real server
// (10,000 of them held 15 MB at 372 words): a word per beat (its code in the
// top 3 bits, its duration in 10 µs units below, up to 89 minutes), a word
// per minute slot (up ms in the high half, known ms in the low half: a minute
// never holds more than 60,000 ms of either), and two words per hour slot.
// Which minute (hour) a slot holds follows from the newest one written
// (newestMinute, newestHour): the slots before it in the ring are the ones
// before it in time, so no slot keeps an id of its own.
const BEATS_AT = 0;
const MINUTES_AT = BEATS_AT + BEATS;
const HOURS_AT = MINUTES_AT + MINUTES;
const WORDS = HOURS_AT + 2 * HOURS;
/** Bytes of history data per server (the array's payload; see bytesPerServer for the measured total). */
export const RING_PAYLOAD_BYTES = WORDS * 4;
const CODE_SHIFT = 29;
const UNITS_MASK = 2 ** CODE_SHIFT - 1;
/** Microseconds per duration unit. */
const UNIT_US = 10;

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
  /** The newest minute (hour) written, counted from the epoch; -1 before any. */
  private newestMinute = -1;
  private newestHour = -1;
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
  }

  /**
   * One check result. The time since the previous beat counts for the state
   * the previous beat left, but never more than `maxGapMs` of it (no result
   * for longer, as when the workers are away, is unknown time, not up time).
   * `held`: the hard state a neutral beat leaves (it says none of its own).
   */
  record(at: number, beat: Beat, durationMs: number, maxGapMs: number, held?: Health): void {
    const i = this.next;
    const units = Math.min(UNITS_MASK, Math.max(0, Math.round((durationMs * 1000) / UNIT_US)));
    this.words[BEATS_AT + i] = ((CODE[beat] << CODE_SHIFT) | units) >>> 0;
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
      const w = this.words[BEATS_AT + i]!;
      out.push({ beat: BEAT_OF[w >>> CODE_SHIFT]!, durationMs: ((w & UNITS_MASK) * UNIT_US) / 1000 });
    }
    return out;
  }

  /** The beats as letters (u d f r e n), oldest first: the wire form of the bar. */
  letters(): string {
    const codes = new Array<number>(this.count);
    for (let k = 0; k < this.count; k++) codes[k] = LETTER_CODE[this.words[BEATS_AT + ((this.next - this.count + k + BEATS) % BEATS)]! >>> CODE_SHIFT]!;
    return String.fromCharCode(...codes);
  }

  /** The beats' durations in milliseconds rounded to 0.1 ms, oldest first (the page's sparkline: one array, no object per beat). */
  durationsMs(): number[] {
    const out = new Array<number>(this.count);
    for (let k = 0; k < this.count; k++) out[k] = Math.round(((this.words[BEATS_AT + ((this.next - this.count + k + BEATS) % BEATS)]! & UNITS_MASK) * UNIT_US) / 100) / 10;
    return out;
  }

  /** The hard state the beats last said, and since when (`sinceStart`: it was so when rsguard began following the server). */
  current(): { state: Health; since: number; sinceStart: boolean } | undefined {
    return this.state ? { state: this.state, since: this.stateSince, sinceStart: this.stateSince === this.createdAt } : undefined;
  }

  /** Over the current minute and the 59 before it. */
  lastHour(now: number): Availability {
    return this.window(now, false);
  }

  /** Over the current hour and the 23 before it. */
  lastDay(now: number): Availability {
    return this.window(now, true);
  }

  private window(now: number, hours: boolean): Availability {
    const slots = hours ? HOURS : MINUTES;
    const slotMs = hours ? HOUR_MS : MINUTE_MS;
    const written = hours ? this.newestHour : this.newestMinute;
    const newest = Math.floor(now / slotMs);
    let up = 0;
    let known = 0;
    // The slots hold `written` and the slots - 1 before it; of those, the ones in (newest - slots, newest] count.
    const last = Math.min(written, newest);
    for (let id = Math.max(written - slots + 1, newest - slots + 1, 0); id <= last; id++) {
      if (hours) {
        up += this.words[HOURS_AT + 2 * (id % HOURS)]!;
        known += this.words[HOURS_AT + 2 * (id % HOURS) + 1]!;
      } else {
        const w = this.words[MINUTES_AT + (id % MINUTES)]!;
        up += w >>> 16;
        known += w & 0xffff;
      }
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
    this.newestMinute = this.spread(from, to, health === 'up', false);
    this.newestHour = this.spread(from, to, health === 'up', true);
  }

  /**
   * Adds [from, to) to the minute (hour) slots it covers, clearing first the slots of minutes newer than
   * the newest written so far (they held the oldest); returns the newest written now. Time only moves
   * forward (record), so a span never adds to a minute twice and a minute never holds over 60,000 ms.
   */
  private spread(from: number, to: number, up: boolean, hours: boolean): number {
    const slots = hours ? HOURS : MINUTES;
    const slotMs = hours ? HOUR_MS : MINUTE_MS;
    let newest = hours ? this.newestHour : this.newestMinute;
    // More than the whole window would only be overwritten: start where the window does.
    let t = Math.max(from, to - slots * slotMs);
    while (t < to) {
      const id = Math.floor(t / slotMs);
      const end = Math.min(to, (id + 1) * slotMs);
      if (id > newest) {
        for (let c = Math.max(newest + 1, id - slots + 1); c <= id; c++) this.clear(c % slots, hours);
        newest = id;
      }
      const ms = end - t;
      if (id > newest - slots) this.add(id % slots, hours, up ? ms : 0, ms);
      t = end;
    }
    return newest;
  }

  private clear(slot: number, hours: boolean): void {
    if (!hours) this.words[MINUTES_AT + slot] = 0;
    else this.words[HOURS_AT + 2 * slot] = this.words[HOURS_AT + 2 * slot + 1] = 0;
  }

  private add(slot: number, hours: boolean, up: number, ms: number): void {
    if (hours) {
      this.words[HOURS_AT + 2 * slot] = this.words[HOURS_AT + 2 * slot]! + up;
      this.words[HOURS_AT + 2 * slot + 1] = this.words[HOURS_AT + 2 * slot + 1]! + ms;
      return;
    }
    const w = this.words[MINUTES_AT + slot]!;
    this.words[MINUTES_AT + slot] = Math.min(0xffff, (w >>> 16) + up) * 0x10000 + Math.min(0xffff, (w & 0xffff) + ms);
  }
}
