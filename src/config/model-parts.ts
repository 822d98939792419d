import type { CheckDef, Model, RealServerDef } from '../model/model.js';

/**
 * A model cut into parts of a bounded size, to cross from the loader thread
 * one part per event-loop turn: the structured clone of 10,000 servers and
 * their checks in one message held the daemon's loop for its whole
 * deserialisation. Nothing is lost or reordered: assembling the parts gives
 * an equal model.
 */
export type ModelPart =
  /** Everything but the servers and checks; each virtual service with no real servers yet. */
  | { head: Model }
  | { vs: number; realServers: RealServerDef[] }
  | { checks: Array<[string, CheckDef]> };

/** Servers or checks per part: a part is a few milliseconds to clone at 10,000 servers. */
export const PART_SIZE = 1000;

export function splitModel(model: Model, size = PART_SIZE): ModelPart[] {
  const parts: ModelPart[] = [{ head: { ...model, virtualServices: model.virtualServices.map((vs) => ({ ...vs, realServers: [] })), checks: new Map() } }];
  model.virtualServices.forEach((vs, i) => {
    for (let at = 0; at < vs.realServers.length; at += size) parts.push({ vs: i, realServers: vs.realServers.slice(at, at + size) });
  });
  const checks = [...model.checks];
  for (let at = 0; at < checks.length; at += size) parts.push({ checks: checks.slice(at, at + size) });
  return parts;
}

/** Puts the parts back together, in the order splitModel made them. */
export class ModelAssembler {
  private model: Model | undefined;

  add(part: ModelPart): void {
    if ('head' in part) this.model = part.head;
    else if (!this.model) throw new Error('model part before its head');
    else if ('vs' in part) this.model.virtualServices[part.vs]!.realServers.push(...part.realServers);
    else for (const [id, check] of part.checks) this.model.checks.set(id, check);
  }

  done(): Model {
    if (!this.model) throw new Error('no model head');
    return this.model;
  }
}
