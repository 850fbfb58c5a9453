import { describe, expect, it } from "vitest";
import type { GenerationEvent, GenerationRequest, Generator } from "../ports/generator.js";
import { silentLogger } from "./logger.js";
import { QueryRewriter } from "./query-rewriter.js";

/** A stand-in language model that answers with fixed text (or fails), recording what it was asked. */
function scriptedModel(answer: string | Error) {
  const requests: GenerationRequest[] = [];
  const model: Generator = {
    model: "scripted",
    async *generate(request): AsyncGenerator<GenerationEvent> {
      requests.push(request);
      if (answer instanceof Error) throw answer;
      for (const piece of answer.split(/(?<= )/)) yield { type: "text", text: piece };
    },
  };
  return { model, requests };
}

const history = [
  { role: "user" as const, content: "How do I reset the Aurora heat pump?" },
  { role: "assistant" as const, content: "Hold the button [1]." },
];

describe("QueryRewriter", () => {
  it("uses the language model's standalone query", async () => {
    const { model, requests } = scriptedModel('Query: "Aurora heat pump reset duration"');
    const rewrite = await new QueryRewriter({ llm: model, log: silentLogger }).rewrite(history, "How long does it take?");
    expect(rewrite).toEqual({ query: "Aurora heat pump reset duration", method: "llm" });
    expect(requests[0]!.maxTokens).toBe(64);
    expect(requests[0]!.messages.at(-1)!.content).toContain("Latest message: How long does it take?");
  });

  it("falls back to rules when the model fails", async () => {
    const { model } = scriptedModel(new Error("model down"));
    const rewrite = await new QueryRewriter({ llm: model, log: silentLogger }).rewrite(history, "How long does it take?");
    expect(rewrite).toEqual({ query: "How long does it take? reset aurora heat pump", method: "rules" });
  });

  it("falls back to rules when the model answers nothing usable", async () => {
    const { model } = scriptedModel('""');
    expect((await new QueryRewriter({ llm: model, log: silentLogger }).rewrite(history, "And then?")).method).toBe("rules");
  });

  it("treats a rewrite equal to the question as no rewrite", async () => {
    const { model } = scriptedModel("what is the refund policy");
    expect(await new QueryRewriter({ llm: model, log: silentLogger }).rewrite(history, "What is the refund policy")).toEqual({ query: null, method: "llm" });
  });

  it("never asks the model on a first turn", async () => {
    const { model, requests } = scriptedModel("anything");
    expect(await new QueryRewriter({ llm: model, log: silentLogger }).rewrite([], "How long does it take?")).toEqual({ query: null, method: null });
    expect(requests).toHaveLength(0);
  });

  it("gives up on a model that takes too long", async () => {
    const slow: Generator = {
      model: "slow",
      async *generate(request) {
        await new Promise((resolve, reject) => request.signal?.addEventListener("abort", () => reject(request.signal!.reason)));
        yield { type: "text", text: "never" };
      },
    };
    const rewrite = await new QueryRewriter({ llm: slow, log: silentLogger, timeoutMs: 20 }).rewrite(history, "How long does it take?");
    expect(rewrite.method).toBe("rules");
  });
});
