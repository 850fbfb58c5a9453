/**
 * Answer shapes of the API, for the OpenAPI document (functions/openapi/).
 * Routes do not validate what they send; test/openapi/response-conformance.test.ts
 * checks real answers against these schemas, undocumented fields included.
 * Objects are open (`z.object`): clients should ignore fields they do not know.
 */
import { z } from "zod";
import { scopes } from "../src/core/api-keys.js";
import { errorStatus, type ErrorCode } from "../src/core/errors.js";

const count = z.number().int().nonnegative();
const timestamp = z.string().describe("ISO 8601 date and time, UTC");
const metadata = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const documentStatus = z.enum(["queued", "processing", "ready", "failed"]);
const pageNumber = z.number().int().min(1);

export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]).describe("Stable error code; the HTTP status follows from it"),
      message: z.string().describe("Safe to show; never a stack trace"),
      details: z.unknown().optional().describe("VALIDATION_FAILED: the problems, `[{path, message}]`; some other codes carry figures (e.g. INGEST_BACKLOG_FULL: `{backlog, max_backlog}`)"),
    }),
  })
  .describe("Every 4xx and 5xx answer");

/** The OpenAI-compatible routes' errors: the same, plus what OpenAI's SDKs read (src/core/openai-compat/openai-error.ts). */
export const openAiErrorResponseSchema = z
  .object({
    error: errorResponseSchema.shape.error.extend({
      type: z.string().describe("OpenAI's error type for the status, e.g. `invalid_request_error`, `authentication_error`, `rate_limit_error`"),
      param: z.string().nullable().describe("The request field at fault, when known"),
    }),
  })
  .describe("Every 4xx and 5xx answer of the OpenAI-compatible routes");

export const healthOkSchema = z.object({
  status: z.literal("ok"),
  mode: z.string().describe('"local" or "cloudflare"'),
  embedder: z.object({ model: z.string(), dimensions: count }),
  generator: z.object({ model: z.string() }),
});

export const healthProblemSchema = z
  .object({
    status: z.literal("error"),
    mode: z.string(),
    embedder: z.object({ model: z.string() }),
    generator: z.object({ model: z.string() }),
    error: z.object({ code: z.string(), message: z.string() }),
  })
  .describe("The index and the embedder disagree (or the check failed): searches cannot be answered");

export const documentSubmittedSchema = z.object({
  id: z.string(),
  status: z.enum(["queued", "unchanged"]).describe("`unchanged` (200): the same content is already indexed"),
  version: count,
});

export const documentBatchSubmittedSchema = z.object({ results: z.array(documentSubmittedSchema) });

export const documentRequeuedSchema = z.object({ id: z.string(), status: z.literal("queued"), version: count });

export const failedDocumentsRequeuedSchema = z.object({
  requeued: count,
  remaining: z.boolean().describe("More failed documents are left: call again"),
});

export const documentViewSchema = z.object({
  id: z.string(),
  title: z.string().nullable(),
  status: documentStatus,
  version: count,
  indexed_version: count.nullable().describe("The version searches see; null before the first one is indexed"),
  chunks: count.describe("Chunks of `indexed_version`"),
  error: z.string().optional().describe("Why it failed, or what it is waiting for"),
  format: z.enum(["text", "markdown", "html", "pdf"]).describe("`pdf` only for uploaded files"),
  source_url: z.string().nullable(),
  metadata,
  original: z
    .object({ filename: z.string(), bytes: count })
    .optional()
    .describe("Documents posted as a file (multipart upload): the file kept in R2 for re-processing"),
  created_at: timestamp,
  updated_at: timestamp,
});

export const documentListSchema = z.object({
  documents: z.array(documentViewSchema),
  next_cursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last one"),
});

export const documentDeletedSchema = z.object({ id: z.string(), status: z.literal("deleted") });

const searchTimings = z.object({
  embed_ms: z.number(),
  vector_ms: z.number(),
  keyword_ms: z.number(),
  hydrate_ms: z.number(),
  fuse_ms: z.number(),
  rerank_ms: z.number(),
  total_ms: z.number(),
});

const scoring = z
  .object({
    keyword_rank: z.number().int().min(1).nullable().describe("Rank in the keyword leg's candidates (1 = best); null if that leg did not return it"),
    keyword_score: z.number().nullable().describe("The keyword leg's score (bm25, negated: higher is better; with KEYWORD_EXPANSION=rm3 the interpolated score, 0–1)"),
    vector_rank: z.number().int().min(1).nullable().describe("Rank in the vector leg's candidates; null if that leg did not return it"),
    vector_score: z.number().nullable().describe("The vector leg's similarity"),
    fused_score: z.number().nullable().describe("The fused score (hybrid mode only)"),
    rerank_score: z.number().nullable().describe("The cross-encoder's score, when the result was reranked"),
  })
  .meta({ description: "How a result got its place: each leg's rank and score, the fused and the rerank score" });

const snippetFields = {
  snippet: z
    .string()
    .describe("Plain text of the passage for display: Markdown syntax removed (links become their text; images, HTML tags, emphasis, code and heading markers, `:::` containers dropped), a window of about 240 characters around where the query's words are densest, cut on word boundaries with `…` where text was left out; the passage's beginning when no word matches"),
  snippet_highlights: z
    .array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]))
    .describe("Where the query's words are in `snippet` (matched as the keyword search matches them: stemmed, so `configuring` marks `configure`): `[start, end)` offsets in UTF-16 code units, as JavaScript's `slice` counts, ascending. Plain offsets rather than markup: escape the snippet and wrap these ranges to show them"),
};

export const searchResponseSchema = z.object({
  results: z.array(
    z.object({
      chunk_id: z.string(),
      document_id: z.string(),
      title: z.string(),
      heading: z.string(),
      text: z.string(),
      score: z.number().describe("keyword: negated bm25 (with KEYWORD_EXPANSION=rm3: the interpolated score, 0–1); vector: cosine similarity; hybrid: the fused score; reranked: the cross-encoder's"),
      source_url: z.string().nullable(),
      metadata,
      page: pageNumber.optional().describe("PDFs: the page the passage starts on (absent for other formats)"),
      page_end: pageNumber.optional().describe("PDFs: the page it ends on (the same page unless it runs over a page break)"),
      scoring,
      ...snippetFields,
    }),
  ),
  timings: searchTimings,
  degraded: z.array(z.enum(["vector", "rerank"])).optional().describe("Parts skipped because their provider was unavailable"),
});

const chatSource = z.object({
  n: z.number().int().min(1).describe("The number the answer cites as [n]"),
  document_id: z.string(),
  chunk_id: z.string(),
  title: z.string(),
  text: z.string(),
  source_url: z.string().optional(),
  heading: z.string().optional(),
  page: pageNumber.optional().describe("PDFs: the page the passage starts on"),
  page_end: pageNumber.optional().describe("PDFs: the page it ends on"),
  scoring: scoring.optional(),
  ...snippetFields,
});

const chatTimings = searchTimings.extend({
  rewrite_ms: z.number(),
  retrieval_ms: z.number(),
  first_token_ms: z.number().nullable(),
  generation_ms: z.number(),
});

const generationUsage = z.object({ prompt_tokens: count.optional(), completion_tokens: count.optional(), total_tokens: count.optional() });
const chatDegradation = z.array(z.enum(["vector", "rerank", "generator"]));
const chatNotice = z.object({ code: z.literal("GENERATOR_UNAVAILABLE"), message: z.string() });

const groundedField = z
  .boolean()
  .describe("False when the documents do not answer the question: the answer is a short decline that cites no source (the sources are what retrieval found). True when it answers from the sources");

const cacheField = z
  .enum(["hit", "miss", "bypass"])
  .describe("The answer cache: `hit` (the stored answer to this or a near-identical question, for the same settings and content), `miss` (answered afresh, and stored if complete), `bypass` (`cache: false`, a conversation with history, or the cache is off). Also the `X-Cache` header");

export const chatAnswerSchema = z.object({
  answer: z.string(),
  sources: z.array(chatSource),
  timings: chatTimings,
  retrieval_queries: z.array(z.string()).describe("What was searched: a rewritten follow-up, then the original question"),
  usage: generationUsage.optional(),
  degraded: chatDegradation.optional(),
  notices: z.array(chatNotice).optional(),
  grounded: groundedField,
  cache: cacheField,
});

/** The `data` of each chat stream event. */
export const chatSourcesEventSchema = z.object({ sources: z.array(chatSource) }).describe("First event: the numbered sources");
export const chatNoticeEventSchema = chatNotice.describe("The language model is unavailable: the answer is extractive");
export const chatDeltaEventSchema = z.object({ text: z.string() }).describe("The next piece of the answer");
export const chatDoneEventSchema = z
  .object({ timings: chatTimings, usage: generationUsage.optional(), retrieval_queries: z.array(z.string()), degraded: chatDegradation.optional(), grounded: groundedField, cache: cacheField })
  .describe("Last event of a complete answer");
export const streamErrorEventSchema = z
  .object({ code: z.string().describe("An error code, or TIMEOUT"), message: z.string() })
  .describe("Last event of a stream that failed after it started");

const documentCounts = z.object({ queued: count, processing: count, ready: count, failed: count, total: count });

export const indexStatsSchema = z.object({ documents: documentCounts, chunks: count.describe("Chunks of ready documents") });

export const indexSettingsViewSchema = z.object({
  fusion: z.object({
    method: z.enum(["rrf", "convex"]),
    k: z.number(),
    keyword_weight: z.number(),
    vector_weight: z.number(),
    normalization: z.enum(["minmax", "zscore"]),
  }),
  rerank: z.object({ enabled: z.boolean(), candidates: count, model: z.string().nullable() }),
  source: z.object({ fusion: z.enum(["index", "defaults"]), rerank: z.enum(["index", "defaults"]) }).describe("Whether each part is the index's own setting or the worker's defaults"),
});

export const feedbackCreatedSchema = z.object({ id: z.string() });

export const feedbackPageSchema = z.object({
  feedback: z.array(
    z.object({
      id: z.string(),
      message_id: z.string().nullable(),
      rating: z.enum(["up", "down"]),
      question: z.string(),
      answer: z.string(),
      sources: z.array(z.object({ n: z.number().int(), document_id: z.string(), chunk_id: z.string() })),
      comment: z.string().nullable(),
      created_at: z.string(),
      updated_at: z.string(),
    }),
  ),
  next_cursor: z.string().nullable(),
});

export const tenantViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  limits: z.record(z.string(), z.number()).describe("The tenant's overrides of the default limits"),
  created_at: timestamp,
});

export const tenantListSchema = z.object({ tenants: z.array(tenantViewSchema) });

export const tenantDeletingSchema = z.object({ id: z.string(), status: z.literal("deleting") });

export const keyViewSchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  scopes: z.array(z.enum(scopes)),
  origins: z.array(z.string()).nullable(),
  name: z.string().nullable(),
  created_at: timestamp,
  revoked_at: timestamp.nullable(),
});

export const createdKeySchema = keyViewSchema.extend({ key: z.string().describe("The key itself: shown only here") });

export const keyListSchema = z.object({ keys: z.array(keyViewSchema) });

const finding = (kind: string, fields: z.ZodRawShape) => z.object({ kind: z.literal(kind), ...fields, repaired: z.boolean() });
const versionFields = { document_id: z.string(), version: count };

export const consistencyReportSchema = z.object({
  tenant_id: z.string(),
  checked: z.object({ vector_sets: count, vectors: count }),
  findings: z.array(
    z.discriminatedUnion("kind", [
      finding("orphan_rows", { ...versionFields, rows: count }),
      finding("status_mismatch", { ...versionFields, status: z.string(), problem: z.string(), chunk_count: count, active_rows: count }),
      finding("duplicate_rows", { ...versionFields, seq: count, rows: count }),
      finding("keyword_index_mismatch", { rows: count, indexed: count }),
      finding("missing_vectors", { ...versionFields, missing: count, of: count }),
      finding("unaccounted_version", versionFields),
      finding("stale_vectors", { ...versionFields, vectors: count }),
    ]),
  ),
  truncated: z.boolean().describe("Stopped at its budget of vector lookups: continue with `next_cursor`"),
  next_cursor: z.string().nullable(),
});

export const indexConsistencySchema = z.object({
  index_vectors: count,
  live_vectors: count,
  stale_vectors: count,
  unaccounted_vectors: count,
});

export const tenantStatsSchema = z.object({
  tenant_id: z.string(),
  documents: documentCounts,
  backlog: count.describe("Documents queued or processing"),
  chunks: count,
  vectors: count,
  index: z.object({ vectors: count.nullable() }).optional().describe("The whole vector index (operator only)"),
  recent: z.object({
    source: z.enum(["in-memory", "d1"]),
    window_seconds: count,
    requests: count.nullable(),
    errors_5xx: count.nullable(),
    error_rate: z.number().nullable(),
    ingest_failures: count,
    ingest_failure_rate: z.number().nullable(),
  }),
  breakers: z.array(z.object({ provider: z.string(), state: z.enum(["closed", "open", "half-open"]), retry_after_ms: z.number() })).describe("This isolate's provider circuit breakers"),
  metrics: z
    .object({
      documents_indexed: count,
      chunks_indexed: count,
      documents_failed: count,
      ingest_retries: count,
      queries: z.object({ hybrid: count, vector: count, keyword: count }),
      degraded_queries: count,
      generation_tokens: count,
      http_requests: count,
      http_client_errors: count,
      http_server_errors: count,
    })
    .nullable()
    .describe("In-memory counters since the isolate started (local mode); null in production"),
});

export const sourceViewSchema = z.object({
  id: z.string(),
  type: z.literal("website"),
  url: z.string(),
  sitemap: z.string().nullable(),
  include: z.array(z.string()),
  exclude: z.array(z.string()),
  max_pages: count,
  max_depth: count,
  schedule: z.string().nullable(),
  status: z.enum(["discovering", "syncing", "idle", "error"]).describe("discovering: finding pages; syncing: pages or documents still to do; idle: done; error: the last discovery failed (see `error`)"),
  error: z.string().nullable(),
  discovery: z.enum(["sitemap", "links"]).nullable().describe("How the last sync found its pages"),
  discovered: count.describe("Pages known (within max_pages)"),
  pending: count.describe("Pages waiting for their fetch"),
  fetched: count.describe("Pages fetched in the last sync (new or unchanged content)"),
  skipped: count.describe("Pages robots.txt ruled out at fetch time"),
  indexing: count.describe("Documents of the source still queued or processing"),
  ready: count.describe("Documents of the source that are searchable"),
  failed: count.describe("Pages whose fetch failed plus documents whose indexing failed"),
  created_at: timestamp,
  last_sync_at: timestamp.nullable(),
  next_sync_at: timestamp.nullable(),
});

export const sourceListSchema = z.object({ sources: z.array(sourceViewSchema) });

export const sourceDeletedSchema = z.object({ id: z.string(), status: z.literal("deleted"), documents: count.describe("Documents deleted with it") });

/** DELETE /v1/cache. */
export const answerCachePurgeSchema = z.object({ deleted: count.describe("Cached answers removed") });
