/**
 * Full-jitter exponential backoff ("Exponential Backoff And Jitter", AWS
 * Architecture Blog): the wait before retry number `attempt` (0 for the first
 * retry) is uniform in [0, min(cap, base · 2^attempt)). Spreading retries
 * over the whole range keeps many clients that failed together from retrying
 * together.
 */

export interface BackoffOptions {
  /** Ceiling of the first retry's wait, in ms. */
  baseMs: number;
  /** Largest ceiling, in ms. */
  capMs: number;
}

/**
 * The wait in ms before retry `attempt` (0-based): `random() * min(capMs,
 * baseMs * 2^attempt)`. `random` returns values in [0, 1) (default
 * `Math.random`); inject it for deterministic tests.
 */
export function fullJitterBackoff(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt));
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** exponent);
  const unit = Math.min(Math.max(random(), 0), 1);
  return Math.max(0, unit * ceiling);
}
