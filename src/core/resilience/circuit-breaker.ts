/**
 * A circuit breaker for one provider: a pure state machine over an injected
 * clock, no I/O.
 *
 * - closed: calls go through. A failure is remembered with its time; when
 *   `failureThreshold` failures fall within the last `windowMs`, it opens.
 *   A success forgets the failures seen so far (`successClearsFailures`,
 *   default on), so a provider that mostly answers is not cut off by
 *   scattered errors; only a run of failures opens it.
 * - open: calls are refused for a cooldown of `cooldownMs`, or longer when
 *   the failure that opened it carried a Retry-After (at most
 *   `maxCooldownMs`).
 * - half-open: after the cooldown, up to `halfOpenProbes` calls (1 by
 *   default) go through at a time as probes; others are refused. A probe
 *   success closes the breaker, a probe failure re-opens it with a fresh
 *   cooldown. A probe never settled within `probeTimeoutMs` (its request was
 *   cancelled mid-call: Workers cancel a request's tasks when the client
 *   goes away) frees its slot, so the breaker cannot stay half-open for good.
 *
 * Callers take a permit before each call (`tryAcquire`) and settle it with
 * `success`, `failure` or `release` (no verdict: the call said nothing about
 * the provider's health, e.g. it was cancelled or refused as a bad request).
 * A permit taken before a state change no longer counts after it. The open
 * → half-open move happens lazily, when the state is next looked at.
 *
 * State lives in the object: the registry in services/provider-breakers.ts
 * keeps one per provider per isolate, so each Worker isolate decides alone.
 */
import { systemClock, type Clock } from "./clock.js";

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerStateChange {
  breaker: string;
  from: BreakerState;
  to: BreakerState;
  /** When the breaker may let calls through again (0 unless it is now open). */
  retryAfterMs: number;
}

export interface CircuitBreakerOptions {
  /** Identifies the breaker in logs and errors, e.g. "workers-ai:@cf/baai/bge-base-en-v1.5". */
  name: string;
  /** Failures within `windowMs` that open the breaker (default 5). */
  failureThreshold?: number;
  /** Sliding window for counting failures, in ms (default 30 000). */
  windowMs?: number;
  /** How long the breaker stays open before probing, in ms (default 30 000). */
  cooldownMs?: number;
  /** Ceiling for a cooldown stretched by a Retry-After, in ms (default 300 000). */
  maxCooldownMs?: number;
  /** Probes let through at a time while half-open (default 1). */
  halfOpenProbes?: number;
  /** A probe with no verdict after this long is presumed abandoned and frees its slot (default 120 s). */
  probeTimeoutMs?: number;
  /** Whether a success while closed forgets earlier failures (default true). */
  successClearsFailures?: boolean;
  /** Default: the system clock. */
  clock?: Clock;
  /** Called on every state change (metrics, logs). Exceptions it throws are ignored. */
  onStateChange?: (change: BreakerStateChange) => void;
}

/** A right to make one call; settle it exactly once (later calls are ignored). */
export interface BreakerPermit {
  /** True when the call is a half-open probe. */
  readonly probe: boolean;
  /** The provider answered: closes a half-open breaker. */
  success(): void;
  /** The provider failed in a way that says it is unhealthy (retryable failure, timeout). */
  failure(options?: { retryAfterMs?: number }): void;
  /** No verdict (cancelled, refused as a bad request...): frees a probe slot, changes nothing else. */
  release(): void;
}

/** What `retryAfterMs()` says while half-open with every probe slot taken. */
export const busyProbeRetryAfterMs = 1000;

export const defaultBreakerOptions = {
  failureThreshold: 5,
  windowMs: 30_000,
  cooldownMs: 30_000,
  maxCooldownMs: 300_000,
  halfOpenProbes: 1,
  probeTimeoutMs: 120_000,
  successClearsFailures: true,
} as const;

interface Failure {
  at: number;
  retryAfterMs: number | undefined;
}

export class CircuitBreaker {
  readonly name: string;
  private readonly threshold: number;
  private readonly windowMs: number;
  private readonly cooldownMs: number;
  private readonly maxCooldownMs: number;
  private readonly probes: number;
  private readonly successClearsFailures: boolean;
  private readonly clock: Clock;
  private readonly onStateChange: ((change: BreakerStateChange) => void) | undefined;

  private current: BreakerState = "closed";
  /** Bumped on every state change; permits from an earlier epoch no longer count. */
  private epoch = 0;
  private failures: Failure[] = [];
  private openUntil = 0;
  /** Start times of the probes in flight (half-open). */
  private probeStarts: { at: number }[] = [];
  private readonly probeTimeoutMs: number;

  constructor(options: CircuitBreakerOptions) {
    this.name = options.name;
    this.threshold = positiveInteger(options.failureThreshold ?? defaultBreakerOptions.failureThreshold, "failureThreshold");
    this.windowMs = nonNegative(options.windowMs ?? defaultBreakerOptions.windowMs, "windowMs");
    this.cooldownMs = nonNegative(options.cooldownMs ?? defaultBreakerOptions.cooldownMs, "cooldownMs");
    this.maxCooldownMs = Math.max(this.cooldownMs, nonNegative(options.maxCooldownMs ?? defaultBreakerOptions.maxCooldownMs, "maxCooldownMs"));
    this.probes = positiveInteger(options.halfOpenProbes ?? defaultBreakerOptions.halfOpenProbes, "halfOpenProbes");
    this.probeTimeoutMs = nonNegative(options.probeTimeoutMs ?? defaultBreakerOptions.probeTimeoutMs, "probeTimeoutMs");
    this.successClearsFailures = options.successClearsFailures ?? defaultBreakerOptions.successClearsFailures;
    this.clock = options.clock ?? systemClock;
    this.onStateChange = options.onStateChange;
  }

  /** The state now (an open breaker whose cooldown is over reads as half-open). */
  get state(): BreakerState {
    this.refresh();
    return this.current;
  }

  /**
   * Milliseconds until the breaker may let a call through: 0 when closed or
   * when a probe slot is free, the rest of the cooldown when open, and
   * `busyProbeRetryAfterMs` while every probe slot is taken.
   */
  retryAfterMs(): number {
    this.refresh();
    if (this.current === "open") return Math.max(0, this.openUntil - this.clock.now());
    if (this.current === "half-open" && this.probeStarts.length >= this.probes) return busyProbeRetryAfterMs;
    return 0;
  }

  /** Failures currently counted towards opening (closed state only). */
  recentFailures(): number {
    this.pruneFailures(this.clock.now());
    return this.current === "closed" ? this.failures.length : 0;
  }

  /** A permit for one call, or undefined when the breaker refuses calls now. */
  tryAcquire(): BreakerPermit | undefined {
    this.refresh();
    if (this.current === "open") return undefined;
    if (this.current === "half-open") {
      if (this.probeStarts.length >= this.probes) return undefined;
      const slot = { at: this.clock.now() };
      this.probeStarts.push(slot);
      return this.permit(slot);
    }
    return this.permit(undefined);
  }

  private permit(slot: { at: number } | undefined): BreakerPermit {
    const probe = slot !== undefined;
    const epoch = this.epoch;
    const freeSlot = () => {
      this.probeStarts = this.probeStarts.filter((entry) => entry !== slot);
    };
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      if (epoch !== this.epoch) return; // the breaker moved on since this call started
      action();
    };
    return {
      probe,
      success: () =>
        settle(() => {
          if (probe) {
            freeSlot();
            this.transition("closed");
          } else if (this.successClearsFailures) {
            this.failures = [];
          }
        }),
      failure: (options = {}) =>
        settle(() => {
          const retryAfterMs = options.retryAfterMs;
          if (probe) {
            freeSlot();
            this.open(retryAfterMs);
            return;
          }
          const now = this.clock.now();
          this.failures.push({ at: now, retryAfterMs });
          this.pruneFailures(now);
          if (this.failures.length >= this.threshold) this.open(latestRetryAfter(this.failures));
        }),
      release: () =>
        settle(() => {
          if (probe) freeSlot();
        }),
    };
  }

  private open(retryAfterMs: number | undefined): void {
    const cooldown = Math.min(this.maxCooldownMs, Math.max(this.cooldownMs, retryAfterMs ?? 0));
    this.openUntil = this.clock.now() + cooldown;
    this.transition("open");
  }

  /** Open → half-open once the cooldown is over. */
  private refresh(): void {
    const now = this.clock.now();
    if (this.current === "open" && now >= this.openUntil) this.transition("half-open");
    // Probes abandoned without a verdict (the request was cancelled) free their slot.
    if (this.current === "half-open") this.probeStarts = this.probeStarts.filter((entry) => now - entry.at < this.probeTimeoutMs);
  }

  private pruneFailures(now: number): void {
    const oldest = now - this.windowMs;
    this.failures = this.failures.filter((failure) => failure.at > oldest);
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    this.current = to;
    this.epoch += 1;
    this.failures = [];
    this.probeStarts = [];
    if (from === to) return;
    const retryAfterMs = to === "open" ? Math.max(0, this.openUntil - this.clock.now()) : 0;
    try {
      this.onStateChange?.({ breaker: this.name, from, to, retryAfterMs });
    } catch {
      // A broken listener must not break the calls it watches.
    }
  }
}

function latestRetryAfter(failures: Failure[]): number | undefined {
  for (let index = failures.length - 1; index >= 0; index -= 1) {
    const value = failures[index]!.retryAfterMs;
    if (value !== undefined) return value;
  }
  return undefined;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number`);
  return value;
}
