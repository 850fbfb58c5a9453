import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Fts5Reference, loadBetterSqlite } from "./fts5-reference.js";
import { referenceChunks } from "./reference-chunks.js";

const migrations = join(import.meta.dirname, "..", "..", "migrations");
const weights = { title: 2, heading: 1.5, text: 1 };

/** Filler documents, so that bm25's IDF is not near zero. */
const filler = Array.from({ length: 40 }, (_, i) => ({ id: `filler-${i}`, title: `Note ${i}`, content: `Ordinary words about weather and gardens, number ${i}.` }));

let reference: Fts5Reference | undefined;
afterEach(() => reference?.close());

describe("referenceChunks", () => {
  it("makes one row per chunk with the document's title, as the consumer does", () => {
    const long = Array.from({ length: 120 }, (_, i) => `Sentence number ${i} talks about proteins and cells.`).join(" ");
    const rows = referenceChunks([
      { id: "a", title: "Short", content: "One short passage." },
      { id: "b", title: "Long", content: long },
    ]);
    expect(rows[0]).toEqual({ id: "a#0", documentId: "a", seq: 0, title: "Short", heading: "", text: "One short passage." });
    const ofB = rows.filter((row) => row.documentId === "b");
    expect(ofB.length).toBeGreaterThan(1);
    expect(ofB.map((row) => row.seq)).toEqual(ofB.map((_, i) => i));
    expect(ofB.every((row) => row.title === "Long")).toBe(true);
  });
});

// better-sqlite3 is an optional dependency (a native module): without it the reference cannot run at all.
describe.skipIf(!loadBetterSqlite().ok)("Fts5Reference", () => {
  it("ranks matches by weighted bm25 and keeps the terms off the tenant column", () => {
    reference = new Fts5Reference(migrations, weights);
    reference.addChunks(
      referenceChunks([
        ...filler,
        { id: "in-title", title: "Mitochondria", content: "A passage about energy in living things." },
        { id: "in-text", title: "Energy", content: "A passage about mitochondria in living things." },
      ]),
    );
    expect(reference.rows).toBe(42);
    const hits = reference.search("what do mitochondria do?", 20);
    expect(hits.map((hit) => hit.chunk_id)).toEqual(["in-title#0", "in-text#0"]);
    expect(hits[0]!.bm25).toBeLessThan(hits[1]!.bm25);
    // The tenant id is "default": as a search word it must match text only (none here).
    expect(reference.search("default", 20)).toEqual([]);
    expect(reference.search("?! --", 20)).toEqual([]);
  });

  it("returns at most `limit` rows, and every match when fewer than the candidate pool", () => {
    reference = new Fts5Reference(migrations, weights);
    reference.addChunks(referenceChunks(filler));
    expect(reference.search("gardens", 20)).toHaveLength(20);
    expect(reference.search("gardens", 100)).toHaveLength(40);
  });
});
