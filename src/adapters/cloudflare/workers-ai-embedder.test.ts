import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LocalAi } from "../local/local-ai.js";
import { WorkersAiEmbedder } from "./workers-ai-embedder.js";
import type { AiRunner } from "../../ports/ai-runner.js";

/** Records calls and answers like the Workers AI embedding models do. */
function recordingAi(dimensions: number) {
  const calls: { model: string; inputs: Record<string, unknown> }[] = [];
  const ai: AiRunner = {
    async run(model, inputs) {
      calls.push({ model, inputs });
      const texts = inputs.text as string[];
      return { shape: [texts.length, dimensions], data: texts.map((text) => Array.from({ length: dimensions }, (_, i) => (text.length + i) / 1000)) };
    },
  };
  return { ai, calls };
}

describe("WorkersAiEmbedder", () => {
  it("uses CLS pooling and the query instruction for bge, and records the pooling in the model id", async () => {
    const { ai, calls } = recordingAi(768);
    const embedder = new WorkersAiEmbedder(ai, "@cf/baai/bge-base-en-v1.5");
    expect(await embedder.describe()).toEqual({ model: "@cf/baai/bge-base-en-v1.5#cls", dimensions: 768 });
    await embedder.embedQuery("what is a heat pump");
    await embedder.embedDocuments(["A heat pump moves heat."]);
    expect(calls).toEqual([
      { model: "@cf/baai/bge-base-en-v1.5", inputs: { text: ["Represent this sentence for searching relevant passages: what is a heat pump"], pooling: "cls" } },
      { model: "@cf/baai/bge-base-en-v1.5", inputs: { text: ["A heat pump moves heat."], pooling: "cls" } },
    ]);
  });

  it("splits large inputs into calls of at most 100 texts, keeping order", async () => {
    const { ai, calls } = recordingAi(384);
    const embedder = new WorkersAiEmbedder(ai, "@cf/baai/bge-small-en-v1.5");
    const texts = Array.from({ length: 250 }, (_, i) => "x".repeat(i + 1));
    const vectors = await embedder.embedDocuments(texts);
    expect(calls.map((call) => (call.inputs.text as string[]).length)).toEqual([100, 100, 50]);
    expect(vectors.map((vector) => Math.round(vector[0]! * 1000))).toEqual(texts.map((text) => text.length));
  });

  it("probes the dimensions of a model it has no profile for", async () => {
    const { ai, calls } = recordingAi(256);
    const embedder = new WorkersAiEmbedder(ai, "@cf/some/new-model");
    expect(await embedder.describe()).toEqual({ model: "@cf/some/new-model", dimensions: 256 });
    expect(calls).toHaveLength(1);
    await embedder.describe();
    expect(calls).toHaveLength(1);
  });

  it("rejects vectors of the wrong size for a known model", async () => {
    const { ai } = recordingAi(100);
    await expect(new WorkersAiEmbedder(ai, "@cf/baai/bge-base-en-v1.5").embedQuery("x")).rejects.toMatchObject({ code: "EMBEDDER_MISMATCH" });
  });

  it("turns upstream failures into UPSTREAM_UNAVAILABLE without leaking the upstream message", async () => {
    const ai: AiRunner = { run: async () => { throw new Error("5xx: internal detail"); } };
    const error = await new WorkersAiEmbedder(ai, "@cf/baai/bge-base-en-v1.5").embedQuery("x").catch((caught) => caught);
    expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    expect(error.message).not.toMatch(/internal detail/);
  });

  it("rejects a malformed response", async () => {
    const ai: AiRunner = { run: async () => ({ shape: [1, 2], data: [] }) };
    await expect(new WorkersAiEmbedder(ai, "@cf/baai/bge-base-en-v1.5").embedQuery("x")).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
  });

  describe("with the local stand-in (real Universal Sentence Encoder in Node)", () => {
    const embedder = new WorkersAiEmbedder(new LocalAi(env.LOCAL_SERVICES!), "@local/universal-sentence-encoder");

    it("embeds into 512 dimensions, similar texts closer than unrelated ones", async () => {
      const [cat, kitten, invoice] = await embedder.embedDocuments(["The cat sleeps on the sofa.", "A kitten naps on the couch.", "Invoices are payable within 14 days."]);
      const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);
      expect(cat).toHaveLength(512);
      expect(cosine(cat!, kitten!)).toBeGreaterThan(cosine(cat!, invoice!) + 0.1);
    });

    it("reports an unknown local model clearly", async () => {
      const error = await new WorkersAiEmbedder(new LocalAi(env.LOCAL_SERVICES!), "@local/nope").embedQuery("x").catch((caught) => caught);
      expect(error.cause.message).toMatch(/UNKNOWN_MODEL/);
    });
  });
});
