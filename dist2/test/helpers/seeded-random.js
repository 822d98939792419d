/** xorshift32: the same sequence on every run, so a fuzz failure can be replayed. */
export function seededRandom(seed) {
    let s = seed | 0 || 1;
    const rand = () => {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        return (s >>> 0) / 0x1_0000_0000;
    };
    return { rand, pick: (xs) => xs[Math.floor(rand() * xs.length)] };
}
//# sourceMappingURL=seeded-random.js.map