import { describe, expect, it } from "vitest";
import { defaultMinHashOptions, estimatedSimilarity, jaccard, lshBands, minHashSignature, wordShingles } from "./minhash.js";
import { normalizeQuestion } from "./normalize-question.js";
import { defaultAnswerCacheSimilarity, matchQuestion } from "./question-match.js";

const shinglesOf = (text: string) => wordShingles(normalizeQuestion(text));
const signatureOf = (text: string, seed = defaultMinHashOptions.seed) => minHashSignature(shinglesOf(text), { ...defaultMinHashOptions, seed });
const shareABand = (a: string, b: string) => {
  const bands = new Set(lshBands(signatureOf(a)));
  return lshBands(signatureOf(b)).some((band) => bands.has(band));
};

describe("normalizeQuestion", () => {
  it("folds case, whitespace and punctuation", () => {
    expect(normalizeQuestion("  How do I DELETE a document?!  ")).toBe("how do i delete a document");
    expect(normalizeQuestion("how\tdo i delete\n\na document")).toBe("how do i delete a document");
    expect(normalizeQuestion("What's error E4 — again?")).toBe("what s error e4 again");
    expect(normalizeQuestion("Ｆｕｌｌｗｉｄｔｈ ÄPFEL")).toBe("fullwidth äpfel");
  });
});

describe("word shingles and Jaccard", () => {
  it("uses word pairs, and a short question is one shingle", () => {
    expect([...wordShingles("how do i")]).toEqual(["how do", "do i"]);
    expect([...wordShingles("refunds")]).toEqual(["refunds"]);
    expect(wordShingles("").size).toBe(0);
  });

  it("scores a near-duplicate high and a question that differs in its key word low", () => {
    const question = shinglesOf("How do I delete a document?");
    expect(jaccard(question, shinglesOf("how do i delete a document please"))).toBeGreaterThanOrEqual(0.8);
    expect(jaccard(question, shinglesOf("How do I create a document?"))).toBeLessThan(0.5);
    expect(jaccard(question, shinglesOf("how do I delete a document"))).toBe(1);
  });
});

describe("MinHash signatures", () => {
  it("are deterministic for a seed and differ between seeds", () => {
    expect(Array.from(signatureOf("how do i delete a document"))).toEqual(Array.from(signatureOf("How do I delete a document?")));
    expect(Array.from(signatureOf("how do i delete a document", 1))).not.toEqual(Array.from(signatureOf("how do i delete a document", 2)));
    expect(signatureOf("x").length).toBe(defaultMinHashOptions.bands * defaultMinHashOptions.rows);
  });

  it("estimate the Jaccard similarity", () => {
    const a = "what is the refund policy for annual plans bought through a reseller in europe";
    const b = "what is the refund policy for annual plans bought through a partner in europe";
    const exact = jaccard(shinglesOf(a), shinglesOf(b));
    expect(Math.abs(estimatedSimilarity(signatureOf(a), signatureOf(b)) - exact)).toBeLessThan(0.2);
    expect(estimatedSimilarity(signatureOf(a), signatureOf("how do i reset my password"))).toBeLessThan(0.15);
  });

  it("put near-duplicates in a shared LSH band and unrelated questions in none", () => {
    expect(shareABand("How do I delete a document?", "how do i delete a document please")).toBe(true);
    expect(shareABand("What does error code E4 mean on the heat pump", "what does error code E4 mean on my heat pump")).toBe(true);
    expect(shareABand("How do I delete a document?", "When is support open on weekends?")).toBe(false);
    const bands = lshBands(signatureOf("a question"));
    expect(bands).toHaveLength(defaultMinHashOptions.bands);
    expect(new Set(bands.map((band) => band.split(":")[0])).size).toBe(defaultMinHashOptions.bands);
  });
});

describe("matchQuestion", () => {
  const cached = ["how do i delete a document", "when is support open", "what does error code e4 mean on the heat pump"].map((question, id) => ({ id, question }));

  it("prefers the exact question", () => {
    expect(matchQuestion("when is support open", cached, { threshold: 0.7 })).toMatchObject({ exact: true, similarity: 1, candidate: { id: 1 } });
  });

  it("accepts a near-duplicate: filler words and punctuation aside, the same words in nearly the same order", () => {
    const match = matchQuestion(normalizeQuestion("How do I delete a document, please?"), cached, { threshold: defaultAnswerCacheSimilarity });
    expect(match).toMatchObject({ exact: false, candidate: { id: 0 }, similarity: 1 });
    // Short questions too: "please" on a four-word question is no longer a quarter of its word pairs.
    expect(matchQuestion(normalizeQuestion("Hi! When is support open, please?"), cached, { threshold: defaultAnswerCacheSimilarity })).toMatchObject({ candidate: { id: 1 } });
    // "the" aside, the same words match; the same words shuffled do not.
    expect(matchQuestion(normalizeQuestion("What does the error code E4 mean on the heat pump?"), cached, { threshold: defaultAnswerCacheSimilarity })).toMatchObject({ candidate: { id: 2 } });
    expect(matchQuestion(normalizeQuestion("delete a document how do I"), cached, { threshold: defaultAnswerCacheSimilarity })).toBeNull();
  });

  it("refuses a question with any other word changed, added or removed, wherever it is and however long the question", () => {
    const stored = [
      "What does the heat pump mean when it shows error code E4",
      "Can I get a refund after 30 days of purchase on the annual plan",
      "How does the consumer retry a message",
      "Which keys can call search on plan A",
    ].map((question, id) => ({ id, question: normalizeQuestion(question) }));
    const asked = [
      "What does the heat pump mean when it shows error code E7", // last word (0.83 word-pair overlap)
      "Can I get a refund before 30 days of purchase on the annual plan", // middle word
      "Can I not get a refund after 30 days of purchase on the annual plan", // an added "not"
      "Why does the consumer retry a message", // first word
      "Which keys can call search on plan B",
      "Which keys can call search on plan",
    ];
    for (const question of asked) {
      for (const threshold of [defaultAnswerCacheSimilarity, 0.5]) expect(matchQuestion(normalizeQuestion(question), stored, { threshold }), question).toBeNull();
    }
  });

  it("keeps the symbols that change what is asked", () => {
    expect(normalizeQuestion("Does it support C++?")).not.toBe(normalizeQuestion("Does it support C#?"));
    expect(normalizeQuestion("Does it support C#?")).not.toBe(normalizeQuestion("Does it support C?"));
    expect(normalizeQuestion("Is the fee $5?")).not.toBe(normalizeQuestion("Is the fee €5?"));
    expect(normalizeQuestion("What is 50% of the limit?")).not.toBe(normalizeQuestion("What is 50 of the limit?"));
    expect(normalizeQuestion("  How do I delete a document?! ")).toBe("how do i delete a document");
  });

  it("has no near-duplicate for a question of filler words only", () => {
    expect(matchQuestion(normalizeQuestion("Thanks!"), [{ id: 0, question: "hello" }], { threshold: 0.1 })).toBeNull();
  });

  it("is tunable: a lower threshold accepts more reordering, above 1 only exact matches", () => {
    expect(matchQuestion(normalizeQuestion("delete a document how do I"), cached, { threshold: 0.5 })).toMatchObject({ candidate: { id: 0 } });
    expect(matchQuestion(normalizeQuestion("how do i delete a document please"), cached, { threshold: 1.01 })).toBeNull();
  });
});
