/**
 * The one place production code reads the wall clock. Everything else takes `now` from its caller, so
 * tests pass fixed instants and no result depends on the day a test runs.
 */
export type Clock = () => Date;

/**
 * The real time, or `LOG_GARDENER_NOW` (an ISO instant) when set: reproducible runs of the CLI and the
 * action (tests, replays of an old export).
 */
export const systemClock: Clock = () => {
  const fixed = process.env.LOG_GARDENER_NOW;
  if (fixed) {
    const at = new Date(fixed);
    if (!Number.isNaN(at.getTime())) return at;
  }
  return new Date();
};
