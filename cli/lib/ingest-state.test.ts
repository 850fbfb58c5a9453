import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { IngestState, needsSending, parseStateFile, StateFileError, targetKey, type StateEntry } from "./ingest-state.js";

const dir = mkdtempSync(join(tmpdir(), "edge-rag-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (fields: Partial<StateEntry> = {}): StateEntry => ({ path: "a.md", hash: "h1", version: 1, status: "ready", ...fields });

describe("needsSending", () => {
  it("skips only content known to be indexed as it is", () => {
    expect(needsSending(undefined, "h1")).toBe(true);
    expect(needsSending(entry(), "h1")).toBe(false);
    expect(needsSending(entry(), "h2")).toBe(true);
    expect(needsSending(entry({ status: "queued" }), "h1")).toBe(true);
    expect(needsSending(entry({ status: "failed" }), "h1")).toBe(true);
    expect(needsSending(entry(), "h1", true)).toBe(true);
  });
});

describe("IngestState", () => {
  it("starts empty without a file, and saves and reloads one target's entries", async () => {
    const path = join(dir, "nested", "state.json");
    const state = await IngestState.open(path, "t1");
    expect(state.entries()).toEqual([]);
    state.set("a.md", entry());
    state.update("a.md", { chunks: 3 });
    state.update("missing", { chunks: 1 });
    await state.save();
    const again = await IngestState.open(path, "t1");
    expect(again.get("a.md")).toEqual(entry({ chunks: 3 }));
    expect(again.get("missing")).toBeUndefined();
    expect((await IngestState.open(path, "t2")).entries()).toEqual([]);
    expect(readdirSync(join(dir, "nested"))).toEqual(["state.json"]); // no temporary file left
  });

  it("keeps other targets' entries when saving", async () => {
    const path = join(dir, "two-targets.json");
    const first = await IngestState.open(path, "server-a");
    first.set("x", entry());
    await first.save();
    const second = await IngestState.open(path, "server-b");
    second.set("y", entry({ path: "y.md" }));
    second.delete("nothing");
    await second.save();
    const file = parseStateFile(readFileSync(path, "utf8"), path);
    expect(Object.keys(file.targets).sort()).toEqual(["server-a", "server-b"]);
    expect(file.targets["server-a"]!.documents.x).toEqual(entry());
  });

  it("writes nothing when nothing changed", async () => {
    const path = join(dir, "untouched.json");
    const state = await IngestState.open(path, "t");
    await state.save();
    expect(existsSync(path)).toBe(false);
  });

  it("writes the latest state when saves overlap", async () => {
    const path = join(dir, "overlap.json");
    const state = await IngestState.open(path, "t");
    state.set("a", entry());
    const first = state.save();
    state.set("b", entry({ path: "b.md" }));
    await Promise.all([first, state.save()]);
    expect(Object.keys(parseStateFile(readFileSync(path, "utf8"), path).targets.t!.documents).sort()).toEqual(["a", "b"]);
  });

  it("refuses a file that is not a state file", async () => {
    const path = join(dir, "other.json");
    writeFileSync(path, '{"name": "something else"}');
    await expect(IngestState.open(path, "t")).rejects.toThrow(StateFileError);
    writeFileSync(path, "not json");
    await expect(IngestState.open(path, "t")).rejects.toThrow(/is not JSON/);
  });

  it("does not treat inherited object keys as documents", async () => {
    const state = await IngestState.open(join(dir, "proto.json"), "t");
    expect(state.get("constructor")).toBeUndefined();
    expect(state.get("__proto__")).toBeUndefined();
  });
});

describe("targetKey", () => {
  it("tells servers, tenants and base folders apart", () => {
    const keys = [
      targetKey({ api: "http://127.0.0.1:8787/", base: "." }),
      targetKey({ api: "https://rag.example.com/", base: "." }),
      targetKey({ api: "http://127.0.0.1:8787/", tenant: "t_0123456789abcdef", base: "." }),
      targetKey({ api: "http://127.0.0.1:8787/", base: "docs" }),
    ];
    expect(new Set(keys).size).toBe(4);
  });
});
