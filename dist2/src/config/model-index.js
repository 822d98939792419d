/** The one key for a real server within a virtual service (a server in two services is two entries). */
export function serverKey(vsKey, rsKey) {
    return `${vsKey}|${rsKey}`;
}
/** Built once per model (a reload makes a new model, and a new index), so lookups per event are O(1), not a scan. */
const indexes = new WeakMap();
function indexOf(model) {
    let idx = indexes.get(model);
    if (!idx) {
        idx = { vs: new Map(), rs: new Map() };
        for (const vs of model.virtualServices) {
            idx.vs.set(vs.key, vs);
            for (const rs of vs.realServers)
                idx.rs.set(serverKey(vs.key, rs.key), rs);
        }
        indexes.set(model, idx);
    }
    return idx;
}
export function virtualServiceByKey(model, vsKey) {
    return indexOf(model).vs.get(vsKey);
}
export function realServerByKey(model, vsKey, rsKey) {
    return indexOf(model).rs.get(serverKey(vsKey, rsKey));
}
//# sourceMappingURL=model-index.js.map