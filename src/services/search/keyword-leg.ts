/**
 * The keyword leg of a search: the query's words as an FTS5 expression,
 * ranked by bm25 inside D1 for the tenant (and metadata filter), returned as
 * visible chunks with their text in the same round trip. With keyword
 * expansion on (KEYWORD_EXPANSION=rm3), one more query: the words that weigh
 * most in the best hits are added and the two rankings interpolated
 * (core/search/keyword-expansion.ts).
 */
import { buildFtsQuery } from "../../core/search/fts-query.js";
import { expansionTerms, interpolateRankings, type KeywordExpansionOptions } from "../../core/search/keyword-expansion.js";
import type { ColumnWeights, DocumentStore } from "../../ports/document-store.js";
import { stage, type ScoredChunk, type SearchRequest } from "./search-stage.js";

/** bm25 weights for the FTS columns (title, heading, text). */
export const defaultColumnWeights: ColumnWeights = { title: 2, heading: 1.5, text: 1 };

/** The best `limit` keyword matches, scored higher-is-better (negated bm25); none when the query has no searchable word. */
export async function runKeywordLeg(
  deps: { store: DocumentStore; columnWeights?: ColumnWeights; keywordExpansion?: KeywordExpansionOptions },
  request: SearchRequest,
  limit: number,
): Promise<ScoredChunk[]> {
  const ftsQuery = buildFtsQuery(request.query);
  if (ftsQuery === null) return [];
  const search = (query: string, name: "keyword" | "keyword_expanded") =>
    stage(request, name, async (span) => {
      const found = await deps.store.keywordSearch(request.tenantId, query, {
        limit,
        weights: deps.columnWeights ?? defaultColumnWeights,
        filter: request.filter,
      });
      span?.setAttribute("hits", found.length);
      // bm25() is lower-is-better; report higher-is-better scores.
      return found.map((hit): ScoredChunk => ({ chunk: hit, score: -hit.bm25 }));
    });
  const hits = await search(ftsQuery, "keyword");
  const expansion = deps.keywordExpansion;
  if (!expansion || hits.length === 0) return hits;
  const terms = expansionTerms(
    request.query,
    hits.map((hit) => ({ text: [hit.chunk.title, hit.chunk.heading, hit.chunk.text].join(" "), score: hit.score })),
    expansion,
  );
  const expandedQuery = terms.length > 0 ? buildFtsQuery(`${request.query} ${terms.join(" ")}`, { maxTerms: 32 + terms.length }) : null;
  if (expandedQuery === null) return hits;
  const expanded = await search(expandedQuery, "keyword_expanded");
  return interpolateRankings(
    hits.map((hit) => ({ item: hit.chunk, score: hit.score })),
    expanded.map((hit) => ({ item: hit.chunk, score: hit.score })),
    (chunk) => chunk.chunkId,
    expansion.originalWeight,
  )
    .slice(0, limit)
    .map((entry) => ({ chunk: entry.item, score: entry.score }));
}
