// The one way tests wait in real time: for a condition, with a bound. Something another process or
// a worker does (a mail at the sink, a row, a workflow task) takes real milliseconds, more on a loaded
// machine; a fixed sleep is either too short there or wasted everywhere else.

export interface Bound {
  /** Give up after this long (real time). */
  withinMs?: number;
  /** Look again after this long. */
  everyMs?: number;
}

const DEFAULT_WITHIN_MS = 30_000;
const DEFAULT_EVERY_MS = 20;

/**
 * `get()`'s value once `ok` holds for it; fails naming `what` (and the last value seen) after
 * `withinMs`. `get` runs at least once, even with a bound of 0.
 */
export async function eventuallyValue<T>(get: () => T | Promise<T>, ok: (v: T) => boolean, what: string, bound: Bound = {}): Promise<T> {
  const withinMs = bound.withinMs ?? DEFAULT_WITHIN_MS;
  const everyMs = bound.everyMs ?? DEFAULT_EVERY_MS;
  const deadline = Date.now() + withinMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) {
      const seen = typeof v === 'boolean' ? '' : `; last seen: ${JSON.stringify(v)?.slice(0, 500)}`;
      throw new Error(`timed out after ${withinMs} ms waiting for ${what}${seen}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves once `ok` holds; fails naming `what` after `withinMs`. */
export async function eventually(ok: () => boolean | Promise<boolean>, what: string, bound: Bound = {}): Promise<void> {
  await eventuallyValue(ok, (v) => v, what, bound);
}
