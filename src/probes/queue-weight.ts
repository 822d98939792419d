import { z } from 'zod';

/**
 * A weight that follows a queue, as a percentage of the server's configured
 * weight (HAProxy's agent-check answers `75%` the same way): full up to
 * `from`, falling in a straight line to `floorPercent` at `to` and beyond.
 * A floor of 0 drains the server (no new connections, still up) rather than
 * taking it out; taking it out is the check failing (`maxListenQueue`).
 */
export const queueWeightSpec = z
  .object({
    /** The longest queue that keeps the full weight. */
    from: z.number().int().min(0),
    /** Queue length at which the weight reaches the floor. */
    to: z.number().int().min(1),
    /** The weight at `to` and above, in percent of the configured weight. */
    floorPercent: z.number().int().min(0).max(99).default(10),
  })
  .strict()
  .refine((s) => s.to > s.from, { message: 'to must be greater than from', path: ['to'] });

export type QueueWeight = z.output<typeof queueWeightSpec>;

/** The percentage for this queue length (an integer, so a steady queue asks the same weight every time). */
export function weightPercentFor(queue: number, rule: QueueWeight): number {
  if (queue <= rule.from) return 100;
  if (queue >= rule.to) return rule.floorPercent;
  const fall = ((queue - rule.from) / (rule.to - rule.from)) * (100 - rule.floorPercent);
  return Math.round(100 - fall);
}
