import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { helpCentreCorpus, loadCorpus } from "./load-corpus.js";

describe("load corpus", () => {
  it("generates distinct Markdown help pages and questions naming their product", () => {
    const corpus = helpCentreCorpus(100, 1);
    expect(corpus.documents).toHaveLength(100);
    expect(new Set(corpus.documents.map((doc) => doc.id)).size).toBe(100);
    for (const doc of corpus.documents) {
      expect(doc.format).toBe("markdown");
      expect(doc.content).toMatch(/^# .+\n\n## /);
      expect(doc.content).not.toContain("{p}");
    }
    expect(corpus.questions.length).toBeGreaterThan(0);
    expect(corpus.questions.every((question) => !question.includes("{p}"))).toBe(true);
    expect(corpus.questions).toContain("How do I reset my password in Atlas Cloud?");
    // Deterministic for a size and seed.
    expect(helpCentreCorpus(100, 1)).toEqual(corpus);
  });

  it("uses a collection when there is one: judged documents first, with their queries as questions", () => {
    const dir = mkdtempSync(join(tmpdir(), "load-corpus-"));
    try {
      const docs = ["a", "b", "c", "d", "e"].map((id) => JSON.stringify({ id, title: `T${id}`, text: `text ${id}` }));
      writeFileSync(join(dir, "corpus.jsonl"), docs.join("\n"));
      writeFileSync(
        join(dir, "queries.jsonl"),
        [JSON.stringify({ id: "q1", text: "about d" }), JSON.stringify({ id: "q2", text: "about b and e" }), JSON.stringify({ id: "q3", text: "about c" })].join("\n"),
      );
      writeFileSync(join(dir, "qrels.tsv"), "query-id\tcorpus-id\tscore\nq1\td\t1\nq2\tb\t1\nq2\te\t1\nq3\tc\t1\n");
      const corpus = loadCorpus({ docs: 3, seed: 1, scifactDir: dir });
      // q1 (d) and q2 (b, e) fit in 3 documents; q3 would not.
      expect(corpus.documents.map((doc) => doc.id)).toEqual(["scifact-d", "scifact-b", "scifact-e"]);
      expect(corpus.questions).toEqual(["about d", "about b and e"]);
      expect(loadCorpus({ docs: 5, seed: 1, scifactDir: dir }).documents.map((doc) => doc.id)).toEqual([
        "scifact-d",
        "scifact-b",
        "scifact-e",
        "scifact-c",
        "scifact-a",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("falls back to help pages when there is no collection", () => {
    const corpus = loadCorpus({ docs: 10, seed: 1, scifactDir: join(tmpdir(), "no-such-collection-here") });
    expect(corpus.documents).toHaveLength(10);
    expect(corpus.description).toMatch(/help-centre/);
  });
});
