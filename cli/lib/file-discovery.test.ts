import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverFiles } from "./file-discovery.js";

let root: string;

function write(path: string, text = "# x\n\ntext\n") {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "edge-rag-discovery-"));
  write("docs/guide.md");
  write("docs/README.MARKDOWN");
  write("docs/notes.txt");
  write("docs/page.htm");
  write("docs/image.png");
  write("docs/deep/er/faq.md");
  write("docs/drafts/wip.md");
  write("docs/build/out.html");
  write("docs/deep/skip.md");
  write("docs/node_modules/pkg/readme.md");
  write("docs/.hidden/secret.md");
  write("docs/.edgeragignore", "drafts/\n");
  write("docs/.gitignore", "build/\n");
  write("docs/deep/.edgeragignore", "skip.md\n");
  write("other/a.md");
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const paths = (files: { relativePath: string }[]) => files.map((file) => file.relativePath);

describe("discoverFiles", () => {
  it("walks a folder: supported files only, rule files applied, hidden and node_modules skipped", async () => {
    const found = await discoverFiles(["docs"], { cwd: root });
    expect(found.base).toBe(join(root, "docs"));
    expect(paths(found.files)).toEqual(["deep/er/faq.md", "guide.md", "notes.txt", "page.htm", "README.MARKDOWN"].sort());
    expect(found.files.find((file) => file.relativePath === "page.htm")?.format).toBe("html");
    expect(found.files.find((file) => file.relativePath === "README.MARKDOWN")?.format).toBe("markdown");
    expect(found.ignored).toBe(3); // drafts/wip.md, build/out.html, deep/skip.md
  });

  it("reads .gitignore only when asked, and adds --ignore patterns", async () => {
    const found = await discoverFiles(["docs"], { cwd: root, gitignore: false, ignore: ["*.txt"] });
    expect(paths(found.files)).toContain("build/out.html");
    expect(paths(found.files)).not.toContain("notes.txt");
    expect(paths(found.files)).not.toContain("drafts/wip.md");
  });

  it("takes several inputs relative to the current folder, or to --base", async () => {
    const found = await discoverFiles(["docs/guide.md", "other"], { cwd: root });
    expect(found.base).toBe(root);
    expect(paths(found.files)).toEqual(["docs/guide.md", "other/a.md"]);
    const based = await discoverFiles(["docs/deep"], { cwd: root, base: "docs" });
    expect(paths(based.files)).toEqual(["deep/er/faq.md"]); // deep/.edgeragignore still applies
  });

  it("expands glob patterns, applying the rule files on the way", async () => {
    const found = await discoverFiles(["docs/**/*.md"], { cwd: root });
    expect(paths(found.files)).toEqual(["docs/deep/er/faq.md", "docs/guide.md"]);
  });

  it("takes a named file even when a rule would leave it out, and reports unsupported ones", async () => {
    const found = await discoverFiles(["docs/drafts/wip.md", "docs/image.png"], { cwd: root });
    expect(paths(found.files)).toEqual(["docs/drafts/wip.md"]);
    expect(found.unsupported).toEqual(["docs/image.png"]);
  });

  it("refuses missing paths and files outside the base", async () => {
    await expect(discoverFiles(["nope"], { cwd: root })).rejects.toThrow(/no such file or folder: nope/);
    await expect(discoverFiles(["other/a.md"], { cwd: root, base: "docs" })).rejects.toThrow(/outside the base folder/);
  });
});
