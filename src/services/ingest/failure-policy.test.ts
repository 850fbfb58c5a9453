import { describe, expect, it } from "vitest";
import { AppError, PermanentError } from "../../core/errors.js";
import { ProviderUnavailableError } from "../../core/resilience/provider-errors.js";
import { classifyFailure, deferralDelay, maxDeferralSeconds, retryAfterOf, retryDelay } from "./failure-policy.js";

describe("classifyFailure", () => {
  it("tells permanent, provider and transient failures apart", () => {
    expect(classifyFailure(new PermanentError("no text"))).toBe("permanent");
    expect(classifyFailure(new AppError("VALIDATION_FAILED", "bad"))).toBe("permanent");
    expect(classifyFailure(new ProviderUnavailableError("the embedding model is unavailable", { provider: "p", attempts: 4, breaker: "open" }))).toBe("provider");
    expect(classifyFailure(new AppError("UPSTREAM_UNAVAILABLE", "x", { details: { status: 503 } }))).toBe("provider");
    expect(classifyFailure(new AppError("UPSTREAM_UNAVAILABLE", "x", { details: { status: 429 } }))).toBe("provider");
    expect(classifyFailure(new Error("D1_ERROR: database is locked"))).toBe("transient");
  });

  it("treats a provider refusing this document's request (400, 413, 422) as permanent, a configuration problem (401, 404) not", () => {
    expect(classifyFailure(new AppError("UPSTREAM_UNAVAILABLE", "input too large", { details: { status: 413 } }))).toBe("permanent");
    expect(classifyFailure(new AppError("UPSTREAM_UNAVAILABLE", "timeout", { details: { status: 408 } }))).toBe("provider");
    expect(classifyFailure(new AppError("UPSTREAM_UNAVAILABLE", "bad key", { details: { status: 401 } }))).not.toBe("permanent");
    expect(classifyFailure(new AppError("UPSTREAM_UNAVAILABLE", "no such model", { details: { status: 404 } }))).not.toBe("permanent");
  });
});

describe("delays", () => {
  it("defers by backoff, at least the provider's Retry-After, never past the sweeper's threshold", () => {
    expect(deferralDelay(10, 1, undefined)).toBe(10);
    expect(deferralDelay(10, 3, undefined)).toBe(40);
    expect(deferralDelay(10, 30, undefined)).toBe(maxDeferralSeconds);
    expect(deferralDelay(10, 1, 42)).toBe(42);
    expect(deferralDelay(10, 1, 7200)).toBe(maxDeferralSeconds);
    expect(maxDeferralSeconds).toBeLessThan(15 * 60);
  });

  it("retries by backoff capped at 5 minutes", () => {
    expect(retryDelay(4, 3)).toBe(16);
    expect(retryDelay(10, 10)).toBe(300);
  });

  it("finds Retry-After on the error or down its causes", () => {
    expect(retryAfterOf(new AppError("UPSTREAM_UNAVAILABLE", "x", { retryAfterSeconds: 12 }))).toBe(12);
    expect(retryAfterOf(new AppError("UPSTREAM_UNAVAILABLE", "x", { details: { status: 429, retryAfter: "30" } }))).toBe(30);
    expect(retryAfterOf(new Error("wrapped", { cause: new AppError("UPSTREAM_UNAVAILABLE", "x", { retryAfterSeconds: 5 }) }))).toBe(5);
    expect(retryAfterOf(new Error("nothing"))).toBeUndefined();
  });
});
