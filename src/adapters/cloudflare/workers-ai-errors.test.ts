import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.js";
import { classifyFailure } from "../../core/resilience/failure-classification.js";
import type { AiRunner } from "../../ports/ai-runner.js";
import { WorkersAiEmbedder } from "./workers-ai-embedder.js";
import { WorkersAiGenerator } from "./workers-ai-generator.js";
import { WorkersAiReranker } from "./workers-ai-reranker.js";
import { workersAiFailure, workersAiFailureDetails } from "./workers-ai-errors.js";

/** An error shaped like workerd's InferenceUpstreamError. */
function bindingError(message: string, name = "InferenceUpstreamError"): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const failing = (error: unknown): AiRunner => ({ run: async () => Promise.reject(error) });

describe("workersAiFailureDetails", () => {
  it("maps documented internal codes to their HTTP status", () => {
    expect(workersAiFailureDetails(bindingError("3040: No more data centers to forward the request to"))).toEqual({ status: 429 });
    expect(workersAiFailureDetails(bindingError("3036: You have used up your daily free allocation"))).toEqual({ status: 429 });
    expect(workersAiFailureDetails(bindingError("3007: Request timeout"))).toEqual({ status: 408 });
    expect(workersAiFailureDetails(bindingError("5007: No such model @cf/x or task"))).toEqual({ status: 400 });
    expect(workersAiFailureDetails(bindingError("AiError: 3042: The model name is invalid"))).toEqual({ status: 404 });
  });

  it("knows no status for network failures, unknown codes and plain text", () => {
    expect(workersAiFailureDetails(new Error("Network connection lost."))).toBeUndefined();
    expect(workersAiFailureDetails(bindingError("9999: something new"))).toBeUndefined();
    expect(workersAiFailureDetails(bindingError("<html>bad gateway</html>"))).toBeUndefined();
  });

  it("keeps the status and Retry-After of an error that already carries them (the local stand-in)", () => {
    const local = new AppError("UPSTREAM_UNAVAILABLE", "local AI answered 503 OVERLOADED", { details: { status: 503, retryAfter: "7" } });
    expect(workersAiFailureDetails(local)).toEqual({ status: 503, retryAfter: "7" });
  });

  it("builds a sanitised error whose details drive the retry decision", () => {
    const capacity = workersAiFailure("embedding model m failed", bindingError("3040: No more data centers (req 123)"));
    expect(capacity).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", message: "embedding model m failed", details: { status: 429 } });
    expect(classifyFailure(capacity)).toMatchObject({ retryable: true, reason: "rate-limited" });
    const noModel = workersAiFailure("embedding model m failed", bindingError("5007: No such model"));
    expect(classifyFailure(noModel)).toMatchObject({ retryable: false, reason: "client-error" });
    const lost = workersAiFailure("embedding model m failed", new Error("Network connection lost."));
    expect(lost.details).toBeUndefined();
    expect(classifyFailure(lost)).toMatchObject({ retryable: true, reason: "network" });
  });
});

describe("the Workers AI adapters report the upstream status in details", () => {
  const capacity = () => bindingError("3040: No more data centers to forward the request to");

  it("embedder", async () => {
    const error = await new WorkersAiEmbedder(failing(capacity()), "@cf/baai/bge-base-en-v1.5").embedQuery("x").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", details: { status: 429 } });
    expect((error as Error).message).not.toMatch(/data centers/);
  });

  it("reranker", async () => {
    const error = await new WorkersAiReranker(failing(capacity()), "@cf/baai/bge-reranker-base").rerank("q", ["a"]).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", details: { status: 429 } });
    expect((error as Error).message).not.toMatch(/data centers/);
  });

  it("generator", async () => {
    const stream = new WorkersAiGenerator(failing(capacity()), "m").generate({ messages: [], question: "q", sources: [] });
    const error = await (async () => {
      for await (const _event of stream) {
        // nothing arrives
      }
    })().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", message: "the language model is unavailable", details: { status: 429 } });
  });
});
