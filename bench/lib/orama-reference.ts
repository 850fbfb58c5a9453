/**
 * Orama full-text search over the benchmark's documents, in this process: a
 * pure-JS search library as a second yardstick for the keyword leg (besides
 * raw FTS5). Stemming on (FTS5 uses porter), title boosted 2× like its bm25
 * column weight, queried with the same distinct content words the keyword
 * leg ORs together.
 */
import { create, insertMultiple, search as oramaSearch } from "@orama/orama";
import { contentWords } from "../../src/core/text/tokenize.js";

export interface OramaIndex {
  insertSeconds: number;
  heapMB: number;
  /** Runs one query with the same terms as our keyword leg; returns the number of hits. */
  search(query: string): Promise<number>;
}

/** The query terms the keyword leg sends to FTS5 (`buildFtsQuery`): distinct content words, at most 32. */
export function ftsTerms(query: string): string[] {
  return [...new Set(contentWords(query))].slice(0, 32);
}

/** Builds the index (`insertMultiple` in batches of 1,000, timed) and returns its search. */
export async function buildOrama(
  documents: readonly { id: string; title: string; content: string }[],
  options: { limit: number; titleBoost: number },
): Promise<OramaIndex> {
  const heapBefore = process.memoryUsage().heapUsed;
  const db = create({ schema: { title: "string", text: "string" } as const, components: { tokenizer: { stemming: true } } });
  const started = performance.now();
  await insertMultiple(
    db,
    documents.map((doc) => ({ id: doc.id, title: doc.title, text: doc.content })),
    1000,
  );
  const insertSeconds = (performance.now() - started) / 1000;
  const heapMB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  return {
    insertSeconds,
    heapMB,
    async search(query) {
      const term = ftsTerms(query).join(" ");
      const result = await oramaSearch(db, { term, limit: options.limit, properties: ["title", "text"], boost: { title: options.titleBoost } });
      return result.hits.length;
    },
  };
}
