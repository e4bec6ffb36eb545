// Tests use the same time-skipping environment as the sequence preview: the local test-server
// binary from the set-up, with the lead workflow's search attributes registered.
export { createTimeSkippingEnv } from '../../dev/time-skipping';
