/**
 * The logger type every layer takes (pino's). Only the composition root
 * creates one (src/log.ts); lower layers are handed it and import this type,
 * so none imports upward for it.
 */
export type { Logger } from 'pino';
