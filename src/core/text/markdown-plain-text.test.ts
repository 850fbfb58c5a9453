import { describe, expect, it } from "vitest";
import { markdownToPlainText } from "./markdown-plain-text.js";

describe("markdownToPlainText", () => {
  it("turns links into their text and drops images", () => {
    expect(markdownToPlainText("Validate with [Zod](https://zod.dev) ![logo](logo.png) and [the guide][g].\n\n[g]: https://example.com/guide")).toBe(
      "Validate with Zod and the guide.",
    );
  });

  it("removes emphasis, inline-code and heading markers but keeps snake_case and code content", () => {
    expect(markdownToPlainText("## Options {#options}\n\nSet **`max_entries`** to *raise* the _limit_ of `__init__` ~~old~~ values.")).toBe(
      "Options Set max_entries to raise the limit of __init__ old values.",
    );
  });

  it("drops ::: container fences, code fences and their info strings, keeping the code", () => {
    const markdown = "::: code-group\n\n```sh [npm]\nnpm install zod\n```\n\n```sh [yarn]\nyarn add zod\n```\n\n:::\n\n::: tip Good to know\nIt works.\n:::";
    expect(markdownToPlainText(markdown)).toBe("npm install zod yarn add zod Good to know It works.");
  });

  it("removes HTML tags, comments and entities' escaping, list and quote markers, tables' pipes", () => {
    const markdown = "<!-- hidden -->\n<Badge type=\"tip\" text=\"new\" />\n> - [x] Done &amp; <b>dusted</b>\n1. First\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\n\n---\n\n\\*literal\\*";
    expect(markdownToPlainText(markdown)).toBe("Done & dusted First a · b 1 · 2 *literal*");
  });

  it("splits table cells on unescaped pipes only", () => {
    expect(markdownToPlainText("| option | values |\n| --- | --- |\n| `rating` | up\\|down `a\\|b` |")).toBe("option · values rating · up|down a|b");
  });

  it("drops front matter", () => {
    expect(markdownToPlainText("---\ntitle: Hello\n---\n# Hello\n\nBody.")).toBe("Hello Body.");
  });
});
