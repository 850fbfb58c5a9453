import { describe, expect, it } from "vitest";
import { contentWords, countTokens, wordSpans, words } from "./tokenize.js";

describe("words", () => {
  it("lower-cases and splits on anything that is not a letter or digit", () => {
    expect(words("Hello, World! COVID-19 in 2024; naïve café")).toEqual(["hello", "world", "covid", "19", "in", "2024", "naïve", "café"]);
  });
  it("keeps apostrophe suffixes on the word", () => {
    expect(words("don't stop")).toEqual(["don't", "stop"]);
  });
});

describe("wordSpans", () => {
  it("finds the same words as words(), with offsets into the text as written", () => {
    const text = "Naïve Café: don't 😀 STOP";
    const spans = wordSpans(text);
    expect(spans.map((span) => span.word)).toEqual(words(text));
    expect(spans.map((span) => text.slice(span.start, span.end))).toEqual(["Naïve", "Café", "don't", "STOP"]);
  });
});

describe("countTokens", () => {
  it("counts words and punctuation", () => {
    expect(countTokens("Hello, world.")).toBe(4);
  });
  it("charges long words more than one token", () => {
    expect(countTokens("immunohistochemistry")).toBeGreaterThan(1);
  });
  it("is zero for blank text", () => {
    expect(countTokens("  \n ")).toBe(0);
  });
});

describe("contentWords", () => {
  it("drops stopwords", () => {
    expect(contentWords("what is the role of vitamin D")).toEqual(["role", "vitamin", "d"]);
  });
  it("keeps stopwords when nothing else is left", () => {
    expect(contentWords("to be or not to be")).toEqual(["to", "be", "or", "not", "to", "be"]);
  });
});
