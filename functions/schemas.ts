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
