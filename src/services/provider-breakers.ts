/**
 * The circuit breakers of the providers this Worker calls (embedding model,
 * reranker, language model), one per provider kind + model, kept in module
 * state.
 *
 * Per isolate: each Worker isolate has its own registry and decides alone
 * when a provider looks down; nothing is shared across isolates or
 * locations, and a new isolate starts with every breaker closed. That is
 * enough to stop one isolate from hammering a failing provider and to fail
 * its requests fast; it is not a global view.
 *
 * Options apply when a breaker is created; later `get`s for the same
 * provider and the same options return it. (Other options — only ever seen
 * when configuration differs between requests, as in tests — get a breaker
 * of their own.)
 */
import { CircuitBreaker, type BreakerState, type BreakerStateChange, type CircuitBreakerOptions } from "../core/resilience/circuit-breaker.js";

/** Breaker options without the name (the registry names breakers "kind:model"). */
export type ProviderBreakerOptions = Omit<CircuitBreakerOptions, "name" | "onStateChange">;

export interface ProviderBreakerSnapshot {
  name: string;
  state: BreakerState;
  retryAfterMs: number;
}

export class ProviderBreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();
  /**
   * Receives every state change of every breaker in this registry (set it
   * from the composition root to log or count them; the latest one set wins).
   */
  onStateChange: ((change: BreakerStateChange) => void) | undefined;

  constructor(private readonly defaults: ProviderBreakerOptions = {}) {}

  /** The breaker of `kind` (e.g. "workers-ai", "openai") + `model`, created on first use. */
  get(kind: string, model: string, options: ProviderBreakerOptions = {}): CircuitBreaker {
    const name = providerKey(kind, model);
    const key = `${name}\u0000${JSON.stringify(options)}`;
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker({
        ...this.defaults,
        ...options,
        name,
        onStateChange: (change) => this.onStateChange?.(change),
      });
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  /** State of every breaker created so far (for health checks and metrics). */
  snapshot(): ProviderBreakerSnapshot[] {
    return [...this.breakers.values()].map((breaker) => ({ name: breaker.name, state: breaker.state, retryAfterMs: breaker.retryAfterMs() }));
  }

  /** Forgets every breaker (tests). */
  reset(): void {
    this.breakers.clear();
  }
}

/** "kind:model", the registry key and breaker name. */
export function providerKey(kind: string, model: string): string {
  return `${kind}:${model}`;
}

/** This isolate's registry. */
export const providerBreakers = new ProviderBreakerRegistry();
