export function healthVerdict(input) {
    const { started, checks, blind, stale, erroring, maxBlindFraction } = input;
    const fraction = checks === 0 ? 0 : blind / checks;
    // maxBlindFraction 0 means "any blind check is sick"; otherwise sick only past the fraction.
    const sick = !started || (maxBlindFraction === 0 ? blind > 0 : fraction > maxBlindFraction);
    const detail = !started
        ? 'starting'
        : `${blind}/${checks} checks blind (${stale} stale, ${erroring} cannot run), limit ${Math.round(maxBlindFraction * 100)}%`;
    return { ok: !sick, checks, stale, erroring, blind, maxBlindFraction, detail };
}
export function healthReport(monitor, now, started) {
    const model = monitor.current;
    let stale = 0;
    let erroring = 0;
    let blind = 0;
    for (const id of model.checks.keys()) {
        const isStale = monitor.isStale(id, now);
        const isError = Boolean(monitor.checkState(id)?.checkError);
        if (isStale)
            stale++;
        if (isError)
            erroring++;
        if (isStale || isError)
            blind++;
    }
    return healthVerdict({ started, checks: model.checks.size, blind, stale, erroring, maxBlindFraction: model.global.health.maxBlindFraction });
}
//# sourceMappingURL=health.js.map