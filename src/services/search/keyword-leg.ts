/**
 * The keyword leg of a search: the query's words as an FTS5 expression,
 * ranked by bm25 inside D1 for the tenant (and metadata filter), returned as
 * visible chunks with their text in the same round trip.
 */
import { buildFtsQuery } from "../../core/search/fts-query.js";
import type { ColumnWeights, DocumentStore } from "../../ports/document-store.js";
import { stage, type ScoredChunk, type SearchRequest } from "./search-stage.js";

/** bm25 weights for the FTS columns (title, heading, text). */
export const defaultColumnWeights: ColumnWeights = { title: 2, heading: 1.5, text: 1 };

/** The best `limit` keyword matches, scored higher-is-better (negated bm25); none when the query has no searchable word. */
export async function runKeywordLeg(
  deps: { store: DocumentStore; columnWeights?: ColumnWeights },
  request: SearchRequest,
  limit: number,
): Promise<ScoredChunk[]> {
  const ftsQuery = buildFtsQuery(request.query);
  if (ftsQuery === null) return [];
  const hits = await stage(request, "keyword", async (span) => {
    const found = await deps.store.keywordSearch(request.tenantId, ftsQuery, {
      limit,
      weights: deps.columnWeights ?? defaultColumnWeights,
      filter: request.filter,
    });
    span?.setAttribute("hits", found.length);
    return found;
  });
  // bm25() is lower-is-better; report higher-is-better scores.
  return hits.map((hit) => ({ chunk: hit, score: -hit.bm25 }));
}
