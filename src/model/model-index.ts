import type { Model, RealServerDef, VirtualServiceDef } from './model.js';

/** The one key for a real server within a virtual service (a server in two services is two entries). */
export function serverKey(vsKey: string, rsKey: string): string {
  return `${vsKey}|${rsKey}`;
}

interface Index {
  vs: Map<string, VirtualServiceDef>;
  rs: Map<string, RealServerDef>;
}

/** Built once per model (a reload makes a new model, and a new index), so lookups per event are O(1), not a scan. */
const indexes = new WeakMap<Model, Index>();

function indexOf(model: Model): Index {
  let idx = indexes.get(model);
  if (!idx) {
    idx = { vs: new Map(), rs: new Map() };
    for (const vs of model.virtualServices) {
      idx.vs.set(vs.key, vs);
      for (const rs of vs.realServers) idx.rs.set(serverKey(vs.key, rs.key), rs);
    }
    indexes.set(model, idx);
  }
  return idx;
}

export function virtualServiceByKey(model: Model, vsKey: string): VirtualServiceDef | undefined {
  return indexOf(model).vs.get(vsKey);
}

export function realServerByKey(model: Model, vsKey: string, rsKey: string): RealServerDef | undefined {
  return indexOf(model).rs.get(serverKey(vsKey, rsKey));
}
