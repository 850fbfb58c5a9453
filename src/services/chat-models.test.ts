import { describe, expect, it } from "vitest";
import { AppError } from "../core/errors.js";
import { chatModelAlias, ChatModels } from "./chat-models.js";

describe("ChatModels", () => {
  const models = new ChatModels({ generator: { model: "@cf/meta/llama-3.3-70b-instruct-fp8-fast", provider: "workers-ai" } });

  it("lists the alias, then the configured generator's model", () => {
    expect(models.list()).toEqual([
      { id: chatModelAlias, owned_by: "edge-rag" },
      { id: "@cf/meta/llama-3.3-70b-instruct-fp8-fast", owned_by: "workers-ai" },
    ]);
  });

  it("resolves the alias and the model id to the generator's model", () => {
    expect(models.resolve("edge-rag")).toBe("@cf/meta/llama-3.3-70b-instruct-fp8-fast");
    expect(models.resolve("@cf/meta/llama-3.3-70b-instruct-fp8-fast")).toBe("@cf/meta/llama-3.3-70b-instruct-fp8-fast");
  });

  it("refuses any other id with NOT_FOUND naming the model field", () => {
    for (const id of ["gpt-4o", "EDGE-RAG", "extractive"]) {
      let caught: unknown;
      try {
        models.resolve(id);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe("NOT_FOUND");
      expect((caught as AppError).message).toContain(id);
      expect((caught as AppError).details).toEqual([{ path: "model", message: "unknown model" }]);
    }
  });

  it("lists a generator named like the alias once", () => {
    expect(new ChatModels({ generator: { model: chatModelAlias, provider: "openai" } }).list()).toEqual([{ id: chatModelAlias, owned_by: "edge-rag" }]);
  });
});
