import { describe, expect, it } from "vitest";
import { IgnoreRules } from "./ignore-rules.js";

describe("IgnoreRules", () => {
  it("always leaves out node_modules and .git", () => {
    const rules = new IgnoreRules([]);
    expect(rules.ignores("node_modules/pkg/readme.md")).toBe(true);
    expect(rules.ignores("docs/node_modules/readme.md")).toBe(true);
    expect(rules.ignores(".git/info.md")).toBe(true);
    expect(rules.ignores("docs/readme.md")).toBe(false);
  });

  it("applies a folder's rule file to paths below it, relative to it", () => {
    const rules = new IgnoreRules([
      { dir: "", text: "build/\n*.tmp.md\n" },
      { dir: "guides", text: "/drafts\n" },
    ]);
    expect(rules.ignores("build/out.md")).toBe(true);
    expect(rules.ignores("guides/build/out.md")).toBe(true);
    expect(rules.ignores("notes.tmp.md")).toBe(true);
    expect(rules.ignores("guides/drafts/a.md")).toBe(true);
    // "/drafts" is anchored to guides/: a drafts folder elsewhere is kept.
    expect(rules.ignores("drafts/a.md")).toBe(false);
    expect(rules.ignores("guides/other/drafts/a.md")).toBe(false);
  });

  it("lets a deeper file, and .edgeragignore after .gitignore, have the last word", () => {
    const rules = new IgnoreRules([
      { dir: "", text: "*.txt\n" },
      { dir: "", text: "!keep.txt\n" }, // .edgeragignore, after .gitignore in the same folder
      { dir: "notes", text: "!*.txt\n" },
    ]);
    expect(rules.ignores("a.txt")).toBe(true);
    expect(rules.ignores("keep.txt")).toBe(false);
    expect(rules.ignores("notes/a.txt")).toBe(false);
    expect(rules.ignores("other/a.txt")).toBe(true);
  });

  it("keeps everything in an excluded folder out, whatever deeper files say", () => {
    const rules = new IgnoreRules([
      { dir: "", text: "private/\n" },
      { dir: "private", text: "!*.md\n" },
    ]);
    expect(rules.ignores("private/a.md")).toBe(true);
  });

  it("applies --ignore patterns last, relative to the base", () => {
    const rules = new IgnoreRules([{ dir: "", text: "!drafts/\n" }], ["drafts/", "**/*.draft.md"]);
    expect(rules.ignores("drafts/a.md")).toBe(true);
    expect(rules.ignores("x/y/z.draft.md")).toBe(true);
    expect(rules.ignores("x/y/z.md")).toBe(false);
  });
});
