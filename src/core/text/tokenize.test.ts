import { describe, expect, it } from "vitest";
import { seededRandom } from "../seeded-random.js";
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
  it("counts exactly the tokens of its defining pattern, whatever the script", () => {
    // The definition: runs of letters and digits, or one other non-space character;
    // a run costs one token per 6 UTF-16 units beyond its first 8.
    const reference = (text: string) => {
      let count = 0;
      for (const match of text.matchAll(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)) count += match[0].length > 8 ? 1 + Math.ceil((match[0].length - 8) / 6) : 1;
      return count;
    };
    const pieces = ["a", "Z", "7", "é", "e\u0301", "ß", "ø", "Ж", "中", "文", "٣", "😀", "𝒳", "\ud800", "\udc00", " ", "\n", "\t", "\u00a0", "\u2028", "\u3000", "\ufeff", ",", ".", "-", "'", "’", "_", "#", "`", "€", "½"];
    const random = seededRandom(11);
    for (let n = 0; n < 2_000; n++) {
      let text = "";
      const length = Math.floor(random() * 40);
      for (let i = 0; i < length; i++) text += random() < 0.5 ? "abcdefghij".repeat(1 + Math.floor(random() * 3)).slice(0, 1 + Math.floor(random() * 25)) : pieces[Math.floor(random() * pieces.length)];
      expect(countTokens(text), JSON.stringify(text)).toBe(reference(text));
    }
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
