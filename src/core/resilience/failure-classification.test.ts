import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { classifyFailure, classifyStatus } from "./failure-classification.js";
import { ProviderTimeoutError, ProviderUnavailableError } from "./provider-errors.js";

const upstream = (details?: unknown, cause?: unknown) =>
  new AppError("UPSTREAM_UNAVAILABLE", "the embedding service is unavailable", { ...(details === undefined ? {} : { details }), ...(cause === undefined ? {} : { cause }) });

describe("classifyStatus", () => {
  it.each([429, 408, 500, 502, 503, 504, 599])("retries %i", (status) => {
    expect(classifyStatus(status).retryable).toBe(true);
  });
  it.each([400, 401, 403, 404, 409, 413, 422, 200, 302])("does not retry %i", (status) => {
    expect(classifyStatus(status).retryable).toBe(false);
  });
});

describe("classifyFailure", () => {
  it("reads the status and Retry-After that adapters put in details", () => {
    expect(classifyFailure(upstream({ status: 429, retryAfter: "12" }), { nowMs: 0 })).toEqual({
      retryable: true,
      reason: "rate-limited",
      status: 429,
      retryAfterMs: 12_000,
    });
    expect(classifyFailure(upstream({ status: 503 }))).toEqual({ retryable: true, reason: "server-error", status: 503 });
    expect(classifyFailure(upstream({ status: 400 }))).toEqual({ retryable: false, reason: "client-error", status: 400 });
    expect(classifyFailure(upstream({ status: 408 }))).toMatchObject({ retryable: true, reason: "timeout" });
  });

  it("reads an HTTP-date Retry-After against the given now, clamped", () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    const verdict = classifyFailure(upstream({ status: 503, retryAfter: "Sun, 01 Mar 2026 12:00:30 GMT" }), { nowMs: now });
    expect(verdict.retryAfterMs).toBe(30_000);
    expect(classifyFailure(upstream({ status: 429, retryAfter: "99999" }), { nowMs: now, maxRetryAfterSeconds: 10 }).retryAfterMs).toBe(10_000);
  });

  it("retries network failures found in the cause chain", () => {
    expect(classifyFailure(upstream(undefined, new TypeError("fetch failed")))).toMatchObject({ retryable: true, reason: "network" });
    expect(classifyFailure(upstream(undefined, new Error("Network connection lost.")))).toMatchObject({ retryable: true, reason: "network" });
    expect(classifyFailure(upstream(undefined, new Error("internal error; reference = 8a7sd6f8as7d")))).toMatchObject({ retryable: true, reason: "network" });
    expect(classifyFailure(new Error("Network connection lost."))).toMatchObject({ retryable: true, reason: "network" });
    expect(classifyFailure(new TypeError("Failed to fetch"))).toMatchObject({ retryable: true, reason: "network" });
  });

  it("retries an UPSTREAM_UNAVAILABLE that names no status", () => {
    expect(classifyFailure(upstream(undefined, new Error("malformed body")))).toEqual({ retryable: true, reason: "unavailable" });
  });

  it("retries timeouts, ours or upstream ones", () => {
    expect(classifyFailure(new ProviderTimeoutError("p", 100))).toEqual({ retryable: true, reason: "timeout" });
    expect(classifyFailure(upstream(undefined, new DOMException("timed out", "TimeoutError")))).toMatchObject({ retryable: true, reason: "timeout" });
  });

  it("does not retry configuration, validation or client errors", () => {
    expect(classifyFailure(new AppError("MISCONFIGURED", "bad key", { details: { status: 401 } }))).toMatchObject({ retryable: false, reason: "configuration" });
    expect(classifyFailure(new AppError("EMBEDDER_MISMATCH", "wrong size"))).toMatchObject({ retryable: false, reason: "configuration" });
    expect(classifyFailure(new AppError("VALIDATION_FAILED", "bad"))).toMatchObject({ retryable: false });
    expect(classifyFailure(new AppError("BAD_REQUEST", "bad"))).toMatchObject({ retryable: false });
    expect(classifyFailure(new AppError("INTERNAL", "bug"))).toMatchObject({ retryable: false });
  });

  it("does not retry aborts or programming errors", () => {
    expect(classifyFailure(new DOMException("The operation was aborted.", "AbortError"))).toEqual({ retryable: false, reason: "aborted" });
    expect(classifyFailure(new TypeError("x is not a function"))).toEqual({ retryable: false, reason: "unknown" });
    expect(classifyFailure(new RangeError("bad index"))).toEqual({ retryable: false, reason: "unknown" });
  });

  it("reads a status property of plain errors", () => {
    expect(classifyFailure(Object.assign(new Error("x"), { status: 502 }))).toMatchObject({ retryable: true, status: 502 });
    expect(classifyFailure(Object.assign(new Error("x"), { statusCode: 404 }))).toMatchObject({ retryable: false, status: 404 });
  });

  it("does not retry a provider we already gave up on because its breaker is open", () => {
    const open = new ProviderUnavailableError("the x is unavailable", { provider: "p", attempts: 0, breaker: "open", retryAfterSeconds: 5 });
    expect(classifyFailure(open).retryable).toBe(false);
  });
});
