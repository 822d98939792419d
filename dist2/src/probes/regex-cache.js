/**
 * Specs travel as JSON (the BullMQ mode serialises jobs), so patterns stay
 * strings in the spec and are compiled once per process here.
 */
const cache = new Map();
const MAX_ENTRIES = 10_000;
export function compiled(pattern, flags = '') {
    const key = `${flags}/${pattern}`;
    let re = cache.get(key);
    if (!re) {
        re = new RegExp(pattern, flags);
        if (cache.size >= MAX_ENTRIES)
            cache.clear();
        cache.set(key, re);
    }
    return re;
}
/** For config validation: returns the error text, or undefined when the pattern compiles. */
export function regexError(pattern) {
    try {
        new RegExp(pattern);
        return undefined;
    }
    catch (err) {
        return err.message;
    }
}
//# sourceMappingURL=regex-cache.js.map