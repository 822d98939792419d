/** A held server's hold is over: it came back, or a round run after the hold began still says down. */
export function holdSettled(s, heldSince) {
    return s.hardState === 'up' || s.checkedAt > heldSince;
}
export function applySafetyValve(input) {
    const { servers, maxDownFraction, intervalMs, now, previous } = input;
    const effective = new Map();
    const held = new Map();
    let confirmed = 0;
    let newlyHeld = 0;
    if (maxDownFraction === null) {
        for (const s of servers)
            effective.set(s.key, s.hardState);
        return { effective, held, newlyHeld, confirmed };
    }
    // "More than the fraction": with 4 servers and 0.5, two may go at once, the third waits.
    const budget = Math.floor(maxDownFraction * servers.length + 1e-9);
    const recent = (s) => s.hardState === 'down' && now - s.hardSince <= intervalMs;
    let spent = 0;
    for (const s of servers)
        if (recent(s) && !input.held.has(s.key) && previous?.get(s.key) === 'down')
            spent++;
    for (const s of servers) {
        const since = input.held.get(s.key);
        if (since !== undefined) {
            // Held before: back up means nothing to apply; a round run after the hold that still says down confirms it.
            if (!holdSettled(s, since))
                held.set(s.key, since);
            else if (s.hardState === 'down')
                confirmed++;
        }
        else if (recent(s) && previous?.get(s.key) !== 'down') {
            if (spent < budget)
                spent++;
            else {
                held.set(s.key, now);
                newlyHeld++;
            }
        }
        effective.set(s.key, held.has(s.key) ? 'up' : s.hardState);
    }
    return { effective, held, newlyHeld, confirmed };
}
//# sourceMappingURL=safety-valve.js.map