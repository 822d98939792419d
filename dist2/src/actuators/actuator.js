/** The balancer could not be read or written at all: keep the desired pool and retry later. */
export class BalancerUnavailable extends Error {
    name = 'BalancerUnavailable';
}
/** Plans and applies in one go: what the pool keeper does on every replan. */
export async function reconcile(actuator, desired) {
    const { commands, problems } = await actuator.plan(desired);
    if (commands.length === 0)
        return { changes: [], problems };
    const report = await actuator.apply(commands, desired);
    return { changes: report.changes, problems: [...problems, ...report.problems] };
}
//# sourceMappingURL=actuator.js.map