import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * The JSON Schema of rsguard YAML, derived from the zod schema (so it cannot
 * drift from what the loader accepts), for editors: yaml-language-server
 * (VS Code's YAML extension, Neovim, Helix) completes and validates with it.
 * Draft 7 because every editor integration reads it. What the loader checks
 * beyond shapes (addresses, regexes, references) is the loader's to say.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as Record<string, unknown>;
  // No $id: an editor would then resolve the schema under that URL instead of the file that names it.
  return { ...schema, title: 'rsguard configuration', description: 'rsguard YAML: global, balancer, notify, queue, vrrp, virtualServices. See docs/configuration.md (man 5 rsguard.yaml).' };
}
