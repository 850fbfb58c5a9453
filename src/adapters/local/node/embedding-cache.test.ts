import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddingCache } from "./embedding-cache.js";

const dirs: string[] = [];
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), "embedding-cache-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("EmbeddingCache", () => {
  it("returns what was stored, per model, and nothing else", () => {
    const cache = new EmbeddingCache(tempDir());
    cache.store("model/a", ["one", "two"], [[1, 2, 3], [4, 5, 6]]);
    expect(cache.lookup("model/a", ["two", "three", "one"])).toEqual([[4, 5, 6], undefined, [1, 2, 3]]);
    expect(cache.lookup("model/b", ["one"])).toEqual([undefined]);
  });

  it("persists across instances, with float32 precision", () => {
    const dir = tempDir();
    new EmbeddingCache(dir).store("@local/x", ["text"], [[0.1, -2.5, 3]]);
    expect(readdirSync(dir)).toEqual(["_local_x.3d.f32cache"]);
    const [vector] = new EmbeddingCache(dir).lookup("@local/x", ["text"]);
    expect(vector).toEqual([Math.fround(0.1), -2.5, 3]);
  });

  it("ignores vectors of another size than the model's first", () => {
    const cache = new EmbeddingCache(tempDir());
    cache.store("m", ["a"], [[1, 2]]);
    cache.store("m", ["b"], [[1, 2, 3]]);
    expect(cache.lookup("m", ["a", "b"])).toEqual([[1, 2], undefined]);
  });
});
