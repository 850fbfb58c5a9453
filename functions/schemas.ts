/**
 * Request schemas of the v1 API. Objects are strict: an unknown field (a typo
 * such as `topK` for `top_k`) is an error, not silently ignored.
 */
import { z } from "zod";

/** Bytes of UTF-8 per document's content. */
export const maxDocumentBytes = 1024 * 1024;
/** Total content bytes per batch request. */
export const maxBatchContentBytes = 10 * 1024 * 1024;
export const maxBatchDocuments = 100;
/** Metadata keys the service sets on every vector; users cannot set them. */
export const reservedMetadataKeys = ["tenant_id", "document_id", "chunk_id", "version"] as const;
/** Filters may use user metadata and `document_id`, never the other reserved keys. */
export const reservedFilterKeys = reservedMetadataKeys.filter((key) => key !== "document_id");
/** User metadata, serialised, stays well below Vectorize's 10 KiB per vector with our own fields. */
export const maxMetadataBytes = 8 * 1024;

const notBlank = { check: (value: string) => value.trim().length > 0, message: "must not be blank" } as const;
const printable = /^[^\u0000-\u001f\u007f]*$/;

export const documentIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@~+=-]*$/, "must start with a letter or digit and contain only letters, digits and . _ : @ ~ + = -");

const metadataKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "metadata keys are letters, digits and underscores, not starting with a digit")
  .refine((key) => !(reservedMetadataKeys as readonly string[]).includes(key), { message: `is reserved (${reservedMetadataKeys.join(", ")})` });

const metadataSchema = z
  .record(metadataKey, z.union([z.string().max(2048), z.number().refine(Number.isFinite, "must be a finite number"), z.boolean()]))
  .refine((metadata) => Object.keys(metadata).length <= 64, "at most 64 metadata keys")
  .refine((metadata) => new TextEncoder().encode(JSON.stringify(metadata)).byteLength <= maxMetadataBytes, `metadata must serialise to at most ${maxMetadataBytes} bytes`);

export const documentSchema = z.strictObject({
  id: documentIdSchema.optional(),
  title: z.string().max(1024).regex(printable, "must not contain control characters").optional(),
  content: z.string().refine(notBlank.check, notBlank.message),
  format: z.enum(["text", "markdown", "html"]).default("text"),
  metadata: metadataSchema.optional(),
  source_url: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .max(2048)
    .optional(),
});

/**
 * The text fields of a file upload (POST /v1/documents as multipart/form-data),
 * once `metadata` is parsed from its JSON: the JSON form's fields without
 * `content` and `format` (the file is the content; its name or media type
 * says the format).
 */
export const uploadFieldsSchema = documentSchema.pick({ id: true, title: true, metadata: true, source_url: true });

/** The upload as the API reference shows it: the file part and the text parts. */
export const documentUploadFormSchema = z.strictObject({
  file: z.file().describe("The document: a .md/.markdown, .txt/.text, .html/.htm or .pdf file (without one of those names, its media type decides), at most UPLOAD_MAX_BYTES (10 MiB by default)"),
  id: documentIdSchema.optional(),
  title: z.string().max(1024).optional().describe("Without one, chunks are labelled with the title the file declares (front matter, <title>, the first h1, a PDF's /Title), else the file name"),
  metadata: z.string().optional().describe("A JSON object, as `metadata` of the JSON form"),
  source_url: z.string().max(2048).optional().describe("An http(s) URL"),
});

export const batchSchema = z.strictObject({
  documents: z.array(documentSchema).min(1).max(maxBatchDocuments),
});

export const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(256).optional(),
  status: z.enum(["queued", "processing", "ready", "failed"]).optional(),
});

const modeSchema = z.enum(["hybrid", "vector", "keyword"]).default("hybrid");
/**
 * Checked by `parseMetadataFilter` in the route (operators, reserved keys);
 * the metadata here is what the API reference shows.
 */
const metadataFilterSchema = z
  .unknown()
  .optional()
  .meta({
    type: "object",
    description: "Vectorize's filter syntax on metadata and `document_id`: `$eq $ne $in $nin $lt $lte $gt $gte`",
    examples: [{ product: "cloud", year: { $gte: 2024 } }],
  });

export const searchSchema = z.strictObject({
  query: z.string().max(4096).refine(notBlank.check, notBlank.message),
  // Capped further by SEARCH_MAX_TOP_K (default 50) in the route.
  top_k: z.number().int().min(1).max(100).default(8),
  mode: modeSchema,
  filter: metadataFilterSchema,
  rerank: z.boolean().optional(),
});

export const chatSchema = z.strictObject({
  messages: z
    .array(z.strictObject({ role: z.enum(["user", "assistant"]), content: z.string().max(32_000).refine(notBlank.check, notBlank.message) }))
    .min(1)
    .max(50)
    .refine((messages) => messages[messages.length - 1]?.role === "user", "the last message must be from the user"),
  top_k: z.number().int().min(1).max(20).default(6),
  mode: modeSchema,
  filter: metadataFilterSchema,
  rerank: z.boolean().optional(),
  stream: z.boolean().default(true),
  cache: z
    .boolean()
    .default(true)
    .describe("false: answer afresh and store nothing in the answer cache (`X-Cache: bypass`)"),
});

export const indexSettingsSchema = z.strictObject({
  fusion: z
    .strictObject({
      method: z.enum(["rrf", "convex"]),
      k: z.number().min(0).max(1000),
      keyword_weight: z.number().min(0).max(100),
      vector_weight: z.number().min(0).max(100),
      normalization: z.enum(["minmax", "zscore"]),
    })
    .partial()
    .nullable()
    .optional(),
  rerank: z
    .strictObject({
      enabled: z.boolean(),
      candidates: z.number().int().min(1).max(100),
    })
    .partial()
    .nullable()
    .optional(),
});

/** Bytes of a feedback request (question, answer and sources). */
export const maxFeedbackBytes = 256 * 1024;

/** A date (`2026-12-01`, midnight UTC) or an ISO date-time with an offset; normalised to the stored form (UTC, milliseconds). */
const feedbackTime = z
  .string()
  .max(40)
  .refine(isCalendarTime, "must be a real date (YYYY-MM-DD) or an ISO 8601 date-time with Z or an offset")
  .transform((value) => new Date(value).toISOString());

/** A date or date-time whose fields exist on the calendar (no 30 February, no hour 24): Date.parse would roll them over. */
function isCalendarTime(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/.exec(value);
  if (!match || Number.isNaN(Date.parse(value))) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return month! >= 1 && month! <= 12 && day! >= 1 && day! <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
}

export const feedbackListQuerySchema = z.strictObject({
  rating: z.enum(["up", "down"]).optional(),
  from: feedbackTime.optional().describe("Created at or after (inclusive)"),
  to: feedbackTime.optional().describe("Created before (exclusive)"),
  format: z.enum(["json", "jsonl", "csv"]).default("json").describe("`json`: one page; `jsonl` and `csv`: every match, as a download"),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe("Page size (json only)"),
  cursor: z.string().max(512).optional().describe("`next_cursor` of the previous page (json only)"),
});

export const feedbackSchema = z.strictObject({
  message_id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "must start with a letter or digit and contain only letters, digits and . _ : -")
    .optional(),
  rating: z.enum(["up", "down"]),
  question: z.string().max(32_000).refine(notBlank.check, notBlank.message),
  answer: z.string().max(32_000),
  sources: z
    .array(z.strictObject({ n: z.number().int().min(1).max(100), document_id: documentIdSchema, chunk_id: z.string().min(1).max(256).regex(printable, "must not contain control characters") }))
    .max(50),
  comment: z.string().max(2000).optional(),
});

export const tenantIdSchema = z.string().regex(/^(default|t_[0-9a-f]{16})$/, "not a tenant id");

export const newTenantSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).regex(printable, "must not contain control characters"),
});

/** Rate limits and budgets a tenant may override (see docs/security.md). */
export const tenantLimitsSchema = z.strictObject({
  requests_per_minute_per_key: z.number().int().min(1).max(100_000).optional(),
  chat_per_minute_per_ip: z.number().int().min(1).max(100_000).optional(),
  search_per_minute_per_ip: z.number().int().min(1).max(100_000).optional(),
  ingest_per_minute_per_key: z.number().int().min(1).max(100_000).optional(),
  daily_requests_per_key: z.number().int().min(1).max(100_000_000).optional(),
  daily_tokens_per_key: z.number().int().min(1).max(1_000_000_000).optional(),
});

export const newKeySchema = z.strictObject({
  tenant_id: tenantIdSchema.optional(),
  scopes: z.array(z.enum(["admin", "ingest", "query", "publishable"])).min(1).max(4),
  origins: z.array(z.string().max(253)).min(1).max(50).optional(),
  name: z.string().trim().min(1).max(200).regex(printable, "must not contain control characters").optional(),
});

export const keyListQuerySchema = z.strictObject({
  tenant_id: tenantIdSchema.optional(),
});

/** An API key's id (not the key itself): `key_` and 16 hex digits. */
export const keyIdSchema = z.string().regex(/^key_[0-9a-f]{16}$/, "not a key id");

export const consistencySchema = z.strictObject({
  repair: z.boolean().default(false),
  cursor: z.string().min(1).max(256).optional(),
  page_size: z.number().int().min(1).max(500).default(200),
});

/** A website source's include/exclude pattern (syntax: src/core/sources/url-patterns.ts). */
const sourcePattern = z.string().min(1).max(512).regex(/^[/*]/, "must start with / or * (patterns match the URL's path and query)").regex(printable, "must not contain control characters");

/** POST /v1/sources: a website to ingest (README "Websites and sitemaps"). */
export const newSourceSchema = z.strictObject({
  type: z.literal("website"),
  url: z.string().min(1).max(2048).describe("The start page; its origin bounds the pages taken"),
  sitemap: z.string().min(1).max(2048).optional().describe("A sitemap (or sitemap index) URL; default: <origin>/sitemap.xml and robots.txt Sitemap: lines, else following links"),
  include: z.array(sourcePattern).max(50).optional().describe("Take only pages whose path matches one of these (prefix, or glob with * and **)"),
  exclude: z.array(sourcePattern).max(50).optional().describe("Leave out pages whose path matches one of these"),
  max_pages: z.number().int().min(1).optional().describe("Pages at most (default 100; at most SOURCES_MAX_PAGES, 1000 by default)"),
  max_depth: z.number().int().min(0).max(5).optional().describe("Link hops from the start page when there is no sitemap (default 2)"),
  schedule: z
    .string()
    .regex(/^(?:hourly|daily|weekly|([1-9]\d{0,2})h)$/, 'must be "hourly", "daily", "weekly" or a number of hours such as "6h"')
    .refine((value) => !value.endsWith("h") || value === "hourly" || Number(value.slice(0, -1)) <= 720, "at most 720h")
    .nullable()
    .optional()
    .describe("Re-sync automatically; default: only on POST /v1/sources/{id}/sync"),
});

export const sourceIdSchema = z.string().regex(/^src_[0-9a-f]{16}$/, "not a source id");
