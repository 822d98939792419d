export function serverView(checks) {
    let state = 'up';
    let hardState = 'up';
    let flapping = false;
    let lastCheck = null;
    let failingCheck = null;
    let failingIsHard = false;
    let failingLast = null;
    for (const { id, state: s } of checks) {
        if (s.state === 'down')
            state = 'down';
        if (s.hardState === 'down')
            hardState = 'down';
        if (s.flap.flapping)
            flapping = true;
        if (s.lastCheck && (!lastCheck || s.lastCheck.at > lastCheck.at))
            lastCheck = s.lastCheck;
        const isHardDown = s.hardState === 'down';
        if ((s.state === 'down' || isHardDown) && (!failingCheck || (isHardDown && !failingIsHard))) {
            failingCheck = id;
            failingIsHard = isHardDown;
            failingLast = s.lastCheck;
        }
    }
    // A down server shows the result that holds it down, not a newer pass of another check.
    if (failingLast)
        lastCheck = failingLast;
    return { state, hardState, stateType: state === hardState ? 'hard' : 'soft', flapping, lastCheck, failingCheck };
}
//# sourceMappingURL=server-state.js.map