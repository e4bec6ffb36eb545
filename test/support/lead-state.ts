// Lead states for the decide functions' unit tests: plain data, frozen deep so a decide function
// that changed its input (instead of returning a new state) fails the test.
import { initialState, type LeadState } from '../../workflows/lead/state';
import { scoringRules } from '../../content/scoring-rules';
import { baseProfile } from './lead-harness';

export const T0 = Date.parse('2027-03-01T09:00:00Z');
export const DAY = 86_400_000;

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

export function leadState(over: Partial<LeadState> = {}): LeadState {
  const s = initialState('U1', baseProfile(), T0);
  return deepFreeze({ ...s, rules: { version: 1, hash: 'test', rules: scoringRules }, ...over });
}
