/**
 * Whether a local model is cased is said twice: on the model (what the Node
 * half serves) and in the worker's model profiles (what decides whether the
 * worker lower-cases all-caps text before embedding). They must agree.
 */
import { describe, expect, it } from "vitest";
import { knownCaseSensitivity } from "../../../cloudflare/workers-ai-embedder.js";
import { featureHashingId } from "./feature-hashing.js";
import { createModelRegistry, workersAiEmbeddingModels } from "./model-registry.js";
import { universalSentenceEncoderId } from "./universal-sentence-encoder.js";

describe("case sensitivity of local models", () => {
  it("the Universal Sentence Encoder is cased, feature hashing is not, on both sides", () => {
    const registry = createModelRegistry({ modelsDir: "/nonexistent" });
    expect(registry.resolve(universalSentenceEncoderId).caseSensitive).toBe(true);
    expect(knownCaseSensitivity(universalSentenceEncoderId)).toBe(true);
    expect(registry.resolve(featureHashingId).caseSensitive).toBe(false);
    expect(knownCaseSensitivity(featureHashingId)).toBe(false);
  });

  it("the Workers AI bge models served locally are uncased on both sides", () => {
    for (const [id, model] of Object.entries(workersAiEmbeddingModels)) {
      expect(model.caseSensitive, id).toBe(false);
      expect(knownCaseSensitivity(id), id).toBe(false);
    }
  });

  it("feature hashing really ignores case", async () => {
    const model = createModelRegistry({ modelsDir: "/nonexistent" }).resolve(featureHashingId);
    const [caps, lower] = await model.embed(["HOW DO I GET A REFUND?", "how do i get a refund?"]);
    expect(caps).toEqual(lower);
  });
});
