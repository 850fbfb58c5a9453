import { describe, expect, it } from "vitest";
import { capText, capTexts } from "./input-cap.js";

describe("capText", () => {
  it("returns a text within the cap unchanged", () => {
    expect(capText("refund policy", 13)).toBe("refund policy");
    expect(capText("", 0)).toBe("");
    expect(capText("x".repeat(5000), undefined)).toHaveLength(5000);
  });

  it("cuts a longer text to its first maxChars code units", () => {
    expect(capText("refund policy", 6)).toBe("refund");
    expect(capText("a".repeat(32_001), 2048)).toBe("a".repeat(2048));
  });

  it("never splits a surrogate pair, and keeps lone surrogates as they are", () => {
    expect(capText("ab💸cd", 3)).toBe("ab"); // the cut would fall inside 💸
    expect(capText("ab💸cd", 4)).toBe("ab💸");
    expect(capText("a\ud800bcd", 2)).toBe("a\ud800"); // a lone high surrogate, not a pair
    expect(capText("a\udc00\ud800b", 3)).toBe("a\udc00\ud800");
  });

  it("is idempotent", () => {
    const once = capText("ab💸cd".repeat(100), 101);
    expect(capText(once, 101)).toBe(once);
  });
});

describe("capTexts", () => {
  it("returns the same array when nothing is over the cap, and cuts only the long texts otherwise", () => {
    const texts = ["short", "also short"];
    expect(capTexts(texts, 10)).toBe(texts);
    expect(capTexts(["short", "much longer text"], 10)).toEqual(["short", "much longe"]);
  });
});
