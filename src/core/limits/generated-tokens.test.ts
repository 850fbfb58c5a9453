import { describe, expect, it } from "vitest";
import { generatedTokens } from "./generated-tokens.js";

describe("generatedTokens", () => {
  it("uses the generator's completion tokens when reported", () => {
    expect(generatedTokens({ usage: { prompt_tokens: 900, completion_tokens: 120, total_tokens: 1020 }, characters: 10_000 })).toBe(120);
    expect(generatedTokens({ usage: { completion_tokens: 0 }, characters: 40 })).toBe(0);
  });

  it("derives them from total minus prompt tokens otherwise", () => {
    expect(generatedTokens({ usage: { prompt_tokens: 900, total_tokens: 1020 }, characters: 0 })).toBe(120);
  });

  it("estimates one token per four characters when nothing usable is reported", () => {
    expect(generatedTokens({ characters: 0 })).toBe(0);
    expect(generatedTokens({ characters: 1 })).toBe(1);
    expect(generatedTokens({ characters: 400 })).toBe(100);
    expect(generatedTokens({ usage: { total_tokens: 50 }, characters: 9 })).toBe(3);
    expect(generatedTokens({ usage: { completion_tokens: Number.NaN }, characters: 8 })).toBe(2);
  });
});
