import { describe, expect, it } from "vitest";
import { documentIdSchema } from "../../functions/schemas.js";
import { documentIdForPath } from "./document-id.js";

const valid = (id: string) => documentIdSchema.safeParse(id).success;

describe("documentIdForPath", () => {
  it("keeps a plain path, folders joined with ':'", () => {
    expect(documentIdForPath("guide.md")).toBe("guide.md");
    expect(documentIdForPath("guides/setup/install.md")).toBe("guides:setup:install.md");
    expect(documentIdForPath("guides\\setup\\install.md")).toBe("guides:setup:install.md");
    expect(documentIdForPath("./a/b.txt")).toBe("a:b.txt");
  });

  it("prepends a prefix as given", () => {
    expect(documentIdForPath("guide.md", "docs:")).toBe("docs:guide.md");
    expect(() => documentIdForPath("guide.md", "bad prefix/")).toThrow(/id prefix/);
    expect(() => documentIdForPath("guide.md", "-x")).toThrow(/id prefix/);
  });

  it("rewrites other paths to allowed characters with a hash of the path", () => {
    const id = documentIdForPath("Read me!.md");
    expect(id).toMatch(/^Read-me-\.md~[0-9a-f]{8}$/);
    expect(documentIdForPath("notes/café au lait.txt")).toMatch(/^notes:cafe-au-lait\.txt~[0-9a-f]{8}$/);
    expect(documentIdForPath("_drafts/x.md")).toMatch(/^drafts:x\.md~[0-9a-f]{8}$/);
    expect(documentIdForPath("日本語.md")).toMatch(/^md~[0-9a-f]{8}$/);
    expect(documentIdForPath("日本語")).toMatch(/^file~[0-9a-f]{8}$/);
    for (const path of ["Read me!.md", "日本語.md", "_drafts/x.md", "a b/c:d.md", "~tilde.md", "a~b.md"]) expect(valid(documentIdForPath(path))).toBe(true);
  });

  it("gives different ids to paths that rewrite to the same text", () => {
    const ids = ["a b.md", "a-b.md", "a!b.md", "a?b.md", "a:b.md", "a/b.md", "a~b.md"].map((path) => documentIdForPath(path));
    expect(new Set(ids).size).toBe(ids.length);
    // A kept name never carries a hash suffix, so it cannot meet a rewritten one.
    expect(documentIdForPath("a-b.md")).toBe("a-b.md");
  });

  it("is stable", () => {
    expect(documentIdForPath("Read me!.md")).toBe(documentIdForPath("Read me!.md"));
    expect(documentIdForPath("Read me!.md", "x:")).not.toBe(documentIdForPath("Read me!.md"));
  });

  it("keeps long paths within 128 characters, still unique", () => {
    const long = `${"folder/".repeat(30)}file.md`;
    const other = `${"folder/".repeat(30)}file2.md`;
    const id = documentIdForPath(long);
    expect(id.length).toBeLessThanOrEqual(128);
    expect(id).toMatch(/^folder:folder:.*~[0-9a-f]{8}$/);
    expect(valid(id)).toBe(true);
    expect(documentIdForPath(other)).not.toBe(id);
  });

  it("refuses an empty path", () => {
    expect(() => documentIdForPath("")).toThrow();
    expect(() => documentIdForPath("./")).toThrow();
  });
});
