import type { CheckState, Health, LastCheck, StateType } from './check-state.js';

/**
 * A real server is up only when all its checks are up (keepalived
 * `num_failed_checkers`); its hard state is down as soon as any check's hard
 * state is. A server with no checks is always up (ldirectord checktype=on).
 */
export interface ServerView {
  state: Health;
  hardState: Health;
  stateType: StateType;
  flapping: boolean;
  lastCheck: LastCheck | null;
  /** The check that holds it down (hard), or is failing (soft), if any. */
  failingCheck: string | null;
}

export function serverView(checks: ReadonlyArray<{ id: string; state: CheckState }>): ServerView {
  let state: Health = 'up';
  let hardState: Health = 'up';
  let flapping = false;
  let lastCheck: LastCheck | null = null;
  let failingCheck: string | null = null;
  let failingIsHard = false;
  let failingLast: LastCheck | null = null;
  for (const { id, state: s } of checks) {
    if (s.state === 'down') state = 'down';
    if (s.hardState === 'down') hardState = 'down';
    if (s.flap.flapping) flapping = true;
    if (s.lastCheck && (!lastCheck || s.lastCheck.at > lastCheck.at)) lastCheck = s.lastCheck;
    const isHardDown = s.hardState === 'down';
    if ((s.state === 'down' || isHardDown) && (!failingCheck || (isHardDown && !failingIsHard))) {
      failingCheck = id;
      failingIsHard = isHardDown;
      failingLast = s.lastCheck;
    }
  }
  // A down server shows the result that holds it down, not a newer pass of another check.
  if (failingLast) lastCheck = failingLast;
  return { state, hardState, stateType: state === hardState ? 'hard' : 'soft', flapping, lastCheck, failingCheck };
}
