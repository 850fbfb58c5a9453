/**
 * One timed pass of `POST /v1/search` over a list of queries against a
 * running server, one request at a time: HTTP wall time per request (client
 * side, keep-alive) and the server's own `timings` per response. In-process
 * references can run alongside: each request is followed by the same query
 * in each reference (timed separately), so all see the same background load.
 */
import type { BenchApi } from "./bench-server.js";
import { summarize, type LatencySummary } from "./latency.js";

export type SearchMode = "hybrid" | "keyword" | "vector";

/** The response's `timings` (whole milliseconds in workerd); `hydrate_ms` is absent on older servers. */
export interface ServerTimings {
  embed_ms: number;
  vector_ms: number;
  keyword_ms: number;
  hydrate_ms?: number;
  fuse_ms: number;
  total_ms: number;
}

/** A reference run after each request: returns its number of hits. */
export type Reference = (query: string) => number | Promise<number>;

export interface SearchPass {
  http: LatencySummary;
  timings: ServerTimings[];
  /** Responses with no results. */
  empty: number;
  /** Per reference name: the durations of its calls. */
  references: Record<string, LatencySummary>;
}

/**
 * Warm-up on the last `warmup` queries (references too), then every query
 * once. Throws when a reference found nothing for every query (a broken
 * comparison rather than a fast one).
 */
export async function searchPass(
  api: BenchApi,
  queries: readonly string[],
  mode: SearchMode,
  options: { warmup: number; topK: number; references?: Record<string, Reference> },
): Promise<SearchPass> {
  const references = Object.entries(options.references ?? {});
  const send = (query: string) => api.request<{ results: unknown[]; timings: ServerTimings }>("POST", "/v1/search", { query, mode, top_k: options.topK });
  for (const query of queries.slice(-Math.min(options.warmup, queries.length))) {
    await send(query);
    for (const [, reference] of references) await reference(query);
  }
  const timings: ServerTimings[] = [];
  const durations: number[] = [];
  const referenceDurations = references.map(() => [] as number[]);
  const referenceHits = references.map(() => 0);
  let empty = 0;
  for (const query of queries) {
    const started = performance.now();
    const response = await send(query);
    durations.push(performance.now() - started);
    timings.push(response.timings);
    if (response.results.length === 0) empty++;
    for (const [index, [, reference]] of references.entries()) {
      const referenceStarted = performance.now();
      // A synchronous reference is timed without an await in between.
      const hits = reference(query);
      referenceHits[index]! += typeof hits === "number" ? hits : await hits;
      referenceDurations[index]!.push(performance.now() - referenceStarted);
    }
  }
  for (const [index, [name]] of references.entries()) {
    if (referenceHits[index] === 0) throw new Error(`the in-process reference "${name}" found nothing: check the corpus`);
  }
  return {
    http: summarize(durations),
    timings,
    empty,
    references: Object.fromEntries(references.map(([name], index) => [name, summarize(referenceDurations[index]!)])),
  };
}

/** The summary of one server timing over a pass (missing values count as 0). */
export function stageSummary(pass: Pick<SearchPass, "timings">, key: keyof ServerTimings): LatencySummary {
  return summarize(pass.timings.map((timing) => timing[key] ?? 0));
}
