/** Keeps the literal spec type while checking the object shape. */
export function defineProbe(probe) {
    return probe;
}
//# sourceMappingURL=kind.js.map