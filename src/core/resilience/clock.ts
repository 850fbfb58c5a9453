/**
 * Time, as the resilience layer sees it: the current time and one-shot
 * timers, injected so that tests drive time by hand (`manual-clock.ts`)
 * instead of waiting. `systemClock` is the real one (`Date.now`,
 * `setTimeout`); in workerd `Date.now()` only moves across I/O, which is
 * precise enough for cooldowns and windows of seconds.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds; the returned function cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, ms) {
    const id = setTimeout(callback, Math.max(0, ms));
    return () => clearTimeout(id);
  },
};

/**
 * Resolves after `ms` on `clock`, or rejects with the signal's reason as soon
 * as `signal` fires (at once if it already has). `ms <= 0` resolves without
 * a timer.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (!(ms > 0)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      cancel();
      reject(abortReason(signal!));
    };
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The reason a signal fired with, or a standard AbortError when it has none. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}
