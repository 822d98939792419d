/**
 * A probe's deadline (or rsguard stopping), for the probes that run
 * thousands of times a second. An AbortController per probe, with an
 * EventTarget listener added and removed on its signal, was 4% of rsguard's
 * CPU at 5,000 checks a second; this is a flag and a listener slot. Probes
 * that hand a signal to a library or a node API ask for `signal`, and only
 * they pay for an AbortController (made on first use, aborted with this).
 */
export class Deadline {
  aborted = false;
  reason: unknown = undefined;
  /** Nearly always one listener (the exchange in progress): a slot, and an array only past it. */
  private first: (() => void) | undefined;
  private more: Array<() => void> | undefined;
  private controller: AbortController | undefined;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  on(fn: () => void): void {
    if (this.first === undefined) this.first = fn;
    else (this.more ??= []).push(fn);
  }

  off(fn: () => void): void {
    if (this.first === fn) this.first = undefined;
    else if (this.more) {
      const i = this.more.indexOf(fn);
      if (i >= 0) this.more.splice(i, 1);
    }
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const { first, more } = this;
    this.first = undefined;
    this.more = undefined;
    first?.();
    if (more) for (const fn of more) fn();
    this.controller?.abort(reason);
  }
}

/** What an exchange can be bound to: a probe's Deadline, or any AbortSignal (the HAProxy runtime client's, a test's). */
export type Abortable = Deadline | AbortSignal;

export function onAbort(source: Abortable, fn: () => void): void {
  if (source instanceof Deadline) source.on(fn);
  else source.addEventListener('abort', fn, { once: true });
}

export function offAbort(source: Abortable, fn: () => void): void {
  if (source instanceof Deadline) source.off(fn);
  else source.removeEventListener('abort', fn);
}
