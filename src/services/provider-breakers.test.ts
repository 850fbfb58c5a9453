import { describe, expect, it } from "vitest";
import type { BreakerStateChange } from "../core/resilience/circuit-breaker.js";
import { ManualClock } from "../core/resilience/manual-clock.js";
import { ProviderBreakerRegistry, providerBreakers, providerKey } from "./provider-breakers.js";

describe("ProviderBreakerRegistry", () => {
  it("keeps one breaker per provider kind + model, named after both", () => {
    const registry = new ProviderBreakerRegistry();
    const embedder = registry.get("workers-ai", "@cf/baai/bge-base-en-v1.5");
    expect(embedder.name).toBe("workers-ai:@cf/baai/bge-base-en-v1.5");
    expect(registry.get("workers-ai", "@cf/baai/bge-base-en-v1.5")).toBe(embedder);
    expect(registry.get("openai", "@cf/baai/bge-base-en-v1.5")).not.toBe(embedder);
    expect(registry.get("workers-ai", "@cf/baai/bge-reranker-base")).not.toBe(embedder);
    expect(providerKey("openai", "gpt-4o-mini")).toBe("openai:gpt-4o-mini");
  });

  it("applies options when it creates a breaker, and relays state changes to its listener", () => {
    const clock = new ManualClock();
    const registry = new ProviderBreakerRegistry({ failureThreshold: 1, cooldownMs: 2_000, clock });
    const changes: BreakerStateChange[] = [];
    registry.onStateChange = (change) => changes.push(change);
    const breaker = registry.get("openai", "m");
    breaker.tryAcquire()!.failure();
    expect(changes).toEqual([{ breaker: "openai:m", from: "closed", to: "open", retryAfterMs: 2_000 }]);
    expect(registry.snapshot()).toEqual([{ name: "openai:m", state: "open", retryAfterMs: 2_000 }]);
    // The same options find it again; other options (configuration that differs between requests) get a breaker of their own.
    expect(registry.get("openai", "m")).toBe(breaker);
    const other = registry.get("openai", "m", { failureThreshold: 50 });
    expect(other).not.toBe(breaker);
    expect(other.state).toBe("closed");
  });

  it("forgets its breakers on reset", () => {
    const registry = new ProviderBreakerRegistry({ failureThreshold: 1 });
    const before = registry.get("workers-ai", "m");
    before.tryAcquire()!.failure();
    registry.reset();
    const after = registry.get("workers-ai", "m");
    expect(after).not.toBe(before);
    expect(after.state).toBe("closed");
  });

  it("has one module-level registry per isolate", async () => {
    const again = await import("./provider-breakers.js");
    expect(again.providerBreakers).toBe(providerBreakers);
  });
});
