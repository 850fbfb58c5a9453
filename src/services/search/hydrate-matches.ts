/**
 * Turns the vector leg's ids into visible chunks in one D1 round trip, skipping
 * the chunks the keyword leg already brought back with their text. D1 decides
 * visibility: vectors of deleted documents or of versions that are no longer
 * active (Vectorize applies deletes asynchronously) are dropped here.
 */
import type { DocumentStore, VisibleChunk } from "../../ports/document-store.js";
import { stage, type ScoredChunk, type SearchRequest } from "./search-stage.js";
import type { VectorMatch } from "./vector-leg.js";

/** The visible chunks among `matches`, in match order, each with its match score. */
export async function hydrateMatches(
  deps: { store: DocumentStore },
  request: SearchRequest,
  matches: VectorMatch[],
  known: readonly ScoredChunk[],
): Promise<ScoredChunk[]> {
  if (matches.length === 0) return [];
  const byId = new Map<string, VisibleChunk>(known.map(({ chunk }) => [chunk.chunkId, chunk]));
  const missing = matches.map((match) => match.id).filter((id) => !byId.has(id));
  if (missing.length > 0) {
    await stage(request, "hydrate", async (span) => {
      const chunks = await deps.store.visibleChunks(request.tenantId, missing);
      for (const chunk of chunks) byId.set(chunk.chunkId, chunk);
      span?.setAttributes({ requested: missing.length, visible: chunks.length });
    });
  }
  return matches.flatMap((match) => {
    const chunk = byId.get(match.id);
    return chunk ? [{ chunk, score: match.score }] : [];
  });
}
