import { describe, expect, it } from "vitest";
import { createFeatureHashingEmbedder, featureHashingId, featureHashingVector, murmurHash3 } from "./feature-hashing.js";
import { createModelRegistry } from "./model-registry.js";

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  for (let j = 0; j < a.length; j++) dot += a[j]! * b[j]!;
  return dot; // both are unit vectors
};
const norm = (a: ArrayLike<number>) => Math.sqrt(cosine(a, a));

describe("murmurHash3", () => {
  // SMHasher's MurmurHash3_x86_32 vectors; the text's UTF-16LE bytes are hashed.
  it("matches the reference test vectors", () => {
    expect(murmurHash3("", 0)).toBe(0);
    expect(murmurHash3("", 1)).toBe(0x514e28b7);
    expect(murmurHash3("", 0xffffffff)).toBe(0x81f16f39);
    expect(murmurHash3("\u0000\u0000", 0)).toBe(0x2362f9de);
    expect(murmurHash3("\uffff\uffff", 0)).toBe(0x76293b50);
    expect(murmurHash3("\u4321\u8765", 0)).toBe(0xf55b516b);
    expect(murmurHash3("\u4321\u8765", 0x5082edee)).toBe(0x2362f9de);
    expect(murmurHash3("\u4321", 0)).toBe(0xa0f7b07a);
  });
});

describe("feature-hashing embedder", () => {
  it("is deterministic across calls and instances", async () => {
    const text = "Refunds go back to the original payment method within 5 business days.";
    const [a] = await createFeatureHashingEmbedder().embed([text]);
    const [b] = await createFeatureHashingEmbedder().embed([text]);
    expect(a).toEqual(b);
    expect(Array.from(featureHashingVector(text))).toEqual(a);
  });

  it("gives 512 L2-normalised dimensions, and zeros for text without words", async () => {
    const [vector, empty] = await createFeatureHashingEmbedder().embed(["Hello, world! Hello again.", " -- ?! "]);
    expect(vector).toHaveLength(512);
    expect(norm(vector!)).toBeCloseTo(1, 12);
    expect(empty).toEqual(new Array(512).fill(0));
  });

  it("ignores case and punctuation", () => {
    expect(featureHashingVector("The Cat, sat.")).toEqual(featureHashingVector("the cat sat"));
  });

  it("counts word order through bigrams", () => {
    const ab = featureHashingVector("dog bites man");
    const ba = featureHashingVector("man bites dog");
    expect(cosine(ab, ba)).toBeLessThan(0.99);
    expect(cosine(ab, ba)).toBeGreaterThan(0.3); // same unigrams
  });

  it("puts texts that share words closer than unrelated texts", () => {
    const query = featureHashingVector("how long do I have to ask for a refund");
    const related = featureHashingVector("You can ask for a full refund within 30 days of purchase.");
    const unrelated = featureHashingVector("Mitochondria produce ATP through oxidative phosphorylation in eukaryotic cells.");
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.2);
  });

  it("is served by the model registry under its id", async () => {
    const model = createModelRegistry().resolve(featureHashingId);
    expect(model.id).toBe("@local/feature-hashing-512");
    expect(model.dimensions).toBe(512);
    expect(await model.embed(["x y"])).toEqual([Array.from(featureHashingVector("x y"))]);
  });
});
