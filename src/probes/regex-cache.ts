import { z } from 'zod';

/**
 * Specs travel as JSON (the BullMQ mode serialises jobs), so patterns stay
 * strings in the spec and are compiled once per process here.
 */
const cache = new Map<string, RegExp>();
const MAX_ENTRIES = 10_000;

export function compiled(pattern: string, flags = ''): RegExp {
  const key = `${flags}/${pattern}`;
  let re = cache.get(key);
  if (!re) {
    re = new RegExp(pattern, flags);
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(key, re);
  }
  return re;
}

/** For config validation: returns the error text, or undefined when the pattern compiles. */
export function regexError(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A config field holding a regex: validated at load, so a bad pattern is a config error with its line. */
export const regexField = z
  .string()
  .min(1)
  .superRefine((p, ctx) => {
    const err = regexError(p);
    if (err) ctx.addIssue({ code: 'custom', message: `invalid regex: ${err}` });
  });
