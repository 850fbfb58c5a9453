import { describe, expect, it } from "vitest";
import { countTokens } from "../../src/core/text/tokenize.js";
import { buildSpeedCorpus, packPassages, pickQueries, sampledQueries, seededRandom, splitSentences, syntheticPassages } from "./speed-corpus.js";

const abstract =
  "Alterations of the architecture of cerebral white matter can affect cortical development. " +
  "A line scan diffusion-weighted MRI sequence was applied to measure the apparent diffusion coefficient (n = 17). " +
  "In the central white matter the mean coefficient at 28 wk was high. " +
  "Relative anisotropy was higher the closer birth was to term. " +
  "Preterm infants at term showed higher mean diffusion coefficients.";

describe("speed corpus", () => {
  it("splits sentences without breaking abbreviations before lower-case words or numbers inside", () => {
    expect(splitSentences("See e.g. the note. It is 1.8 ms long! Why? (Really.)")).toEqual(["See e.g. the note.", "It is 1.8 ms long!", "Why?", "(Really.)"]);
  });

  it("packs whole sentences into passages within the token budget", () => {
    const passages = packPassages(abstract, 40);
    expect(passages.length).toBeGreaterThan(1);
    expect(passages.every((passage) => countTokens(passage) <= 40)).toBe(true);
    expect(passages.join(" ")).toBe(splitSentences(abstract).join(" "));
    // A sentence longer than the budget is cut at words.
    expect(packPassages("one two three four five six seven eight nine ten.", 4).every((p) => countTokens(p) <= 4)).toBe(true);
  });

  it("builds exactly `count` documents, deterministically, the smaller corpus a prefix of the larger", () => {
    const passages = packPassages(abstract, 30).map((text, i) => ({ title: `T${i}`, text }));
    const large = buildSpeedCorpus(passages, 50, { maxTokens: 30 });
    const small = buildSpeedCorpus(passages, 10, { maxTokens: 30 });
    expect(large).toHaveLength(50);
    expect(large.slice(0, 10)).toEqual(small);
    expect(buildSpeedCorpus(passages, 50, { maxTokens: 30 })).toEqual(large);
    expect(new Set(large.map((doc) => doc.id)).size).toBe(50);
    // Originals first, then variants within the budget.
    expect(large.slice(0, passages.length).map((doc) => doc.content)).toEqual(passages.map((p) => p.text));
    expect(large.every((doc) => countTokens(doc.content) <= 30)).toBe(true);
    expect(new Set(large.map((doc) => doc.content)).size).toBeGreaterThan(passages.length);
  });

  it("makes synthetic passages and sampled queries when there is no collection", () => {
    const passages = syntheticPassages(20, { maxTokens: 120, vocabulary: 500 });
    expect(passages).toHaveLength(20);
    expect(passages.every((p) => p.text.length > 0 && countTokens(p.text) <= 120 && p.title.length > 0)).toBe(true);
    const queries = sampledQueries(passages, 5);
    expect(queries).toHaveLength(5);
    expect(queries.every((q) => q.split(" ").length >= 2)).toBe(true);
    expect(pickQueries(["a", "b"], 5)).toEqual(["a", "b", "a", "b", "a"]);
  });

  it("seededRandom is reproducible and in [0, 1)", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
