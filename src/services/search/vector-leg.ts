/**
 * The vector leg of a search: the query embedding (checked against the
 * index's model first), then a nearest-neighbour query in the tenant's
 * namespace with the metadata filter, answered as ids and scores. Turning the
 * ids into visible chunks is `hydrate-matches.ts`, once for the fused union.
 *
 * The leg reports when its embedding has arrived (`embedded`), so hybrid
 * search can start the keyword leg then: see `search-service.ts`.
 *
 * A vector index that fails in passing (5xx, network, no answer within the
 * time limit) is reported as UPSTREAM_UNAVAILABLE, which hybrid search
 * degrades around; anything else stays an error.
 */
import { AppError } from "../../core/errors.js";
import { classifyFailure } from "../../core/resilience/failure-classification.js";
import type { Embedder } from "../../ports/embedder.js";
import type { VectorIndex } from "../../ports/vector-index.js";
import type { IndexGuard } from "../index-guard.js";
import { elapsedMs } from "../timing.js";
import { stage, type SearchRequest } from "./search-stage.js";

/** Default time limit of a vector index query. */
export const defaultVectorQueryTimeoutMs = 5_000;

export interface VectorLegDeps {
  embedder: Embedder;
  vectors: VectorIndex;
  guard: IndexGuard;
  /** How long the vector index may take to answer before the leg counts as unavailable. */
  vectorQueryTimeoutMs?: number;
}

export interface VectorMatch {
  id: string;
  score: number;
}

export interface VectorLeg {
  /** Settles when the query embedding has arrived or failed (never rejects). */
  embedded: Promise<void>;
  /** The nearest `limit` vectors, best first. */
  matches: Promise<VectorMatch[]>;
  /** Milliseconds spent embedding and querying (final once `matches` settles). */
  timings: { embed_ms: number; vector_ms: number };
}

class VectorQueryTimeout extends Error {
  override name = "TimeoutError";
}

/** `promise`, or a VectorQueryTimeout after `ms` (the query itself is left to finish on its own). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new VectorQueryTimeout(`the vector index did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Starts the vector leg; see `VectorLeg` for what it hands back. */
export function startVectorLeg(deps: VectorLegDeps, request: SearchRequest, limit: number): VectorLeg {
  const timings = { embed_ms: 0, vector_ms: 0 };
  const embedding = (async () => {
    await deps.guard.check();
    const started = performance.now();
    try {
      return await stage(request, "embed", () => deps.embedder.embedQuery(request.query, { scope: request.tenantId }));
    } finally {
      timings.embed_ms = elapsedMs(started);
    }
  })();
  const matches = embedding.then(async (vector) => {
    const started = performance.now();
    try {
      return await stage(request, "vector", async (span) => {
        const found = await queryIndex(deps, request, vector, limit);
        span?.setAttribute("matches", found.length);
        return found;
      });
    } finally {
      timings.vector_ms = elapsedMs(started);
    }
  });
  return {
    embedded: embedding.then(
      () => undefined,
      () => undefined,
    ),
    matches,
    timings,
  };
}

async function queryIndex(deps: VectorLegDeps, request: SearchRequest, vector: number[], limit: number): Promise<VectorMatch[]> {
  try {
    const query = deps.vectors.query(vector, {
      topK: limit,
      namespace: request.tenantId,
      returnMetadata: "none",
      returnValues: false,
      ...(request.filter ? { filter: request.filter } : {}),
    });
    const { matches } = await withTimeout(query, deps.vectorQueryTimeoutMs ?? defaultVectorQueryTimeoutMs);
    return matches.map((match) => ({ id: match.id, score: match.score }));
  } catch (error) {
    if (error instanceof VectorQueryTimeout || classifyFailure(error).retryable) {
      throw new AppError("UPSTREAM_UNAVAILABLE", "the vector index is unavailable", { cause: error });
    }
    throw error;
  }
}
