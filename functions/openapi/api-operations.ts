/**
 * Every operation of the API, as the route modules declare them: the list the
 * OpenAPI document is built from. A new route declares its operations next to
 * itself (see api-operation.ts) and adds them here;
 * test/openapi/route-coverage.test.ts fails, naming the route, when one of
 * the app's routes is missing from the document or the document lists a
 * route the app does not have.
 */
import type { ApiOperation } from "./api-operation.js";
import type { BuildOptions } from "./build-document.js";
import { version } from "../../package.json";
import { apiReferenceOperations } from "../routes/api-reference.js";
import { chatOperations } from "../routes/chat.js";
import { answerCacheOperations } from "../routes/answer-cache.js";
import { consistencyOperations } from "../routes/consistency.js";
import { demoOperations } from "../routes/demo.js";
import { documentOperations } from "../routes/documents.js";
import { feedbackOperations } from "../routes/feedback.js";
import { healthOperations } from "../routes/health.js";
import { indexOperations } from "../routes/index-info.js";
import { keyOperations } from "../routes/keys.js";
import { mcpOperations } from "../routes/mcp.js";
import { openAiCompatOperations } from "../routes/openai-compat.js";
import { searchOperations } from "../routes/search.js";
import { statsOperations } from "../routes/stats.js";
import { sourceOperations } from "../routes/sources.js";
import { tenantOperations } from "../routes/tenants.js";

export const apiOperations: readonly ApiOperation[] = [
  ...documentOperations,
  ...sourceOperations,
  ...searchOperations,
  ...chatOperations,
  ...answerCacheOperations,
  ...openAiCompatOperations,
  ...feedbackOperations,
  ...indexOperations,
  ...tenantOperations,
  ...keyOperations,
  ...consistencyOperations,
  ...statsOperations,
  ...healthOperations,
  ...demoOperations,
  ...apiReferenceOperations,
  ...mcpOperations,
];

/** The document's title, description and tags. */
export const apiDocumentOptions: BuildOptions = {
  info: {
    title: "edge-rag API",
    version,
    description: [
      "Ingest documents, search them (BM25 and vector search, fused) and ask questions answered from them with citations, streamed over Server-Sent Events.",
      "",
      "- Every `/v1` route needs `Authorization: Bearer <key>` (the operator's `API_KEY`, or a key from `POST /v1/keys`).",
      "- Bodies are JSON (`Content-Type: application/json`); unknown fields are rejected, so a typo such as `topK` is an error.",
      '- Errors are always `{"error": {"code": "...", "message": "..."}}` with a 4xx or 5xx status, never a stack trace; 429 and 503 carry `Retry-After`.',
      "- Every answer carries `X-Request-Id`.",
    ].join("\n"),
  },
  tags: [
    { name: "Documents", description: "Ingestion through the queue, status, deletion, retries" },
    { name: "Search and chat", description: "Hybrid search and cited answers" },
    { name: "Feedback", description: "Ratings of answers (the chat widget sends them)" },
    { name: "Index", description: "Index figures and per-tenant search settings" },
    { name: "Tenants and keys", description: "Tenants (operator) and API keys (admin)" },
    { name: "Operations", description: "Consistency checks and figures for running a deployment" },
    { name: "Service", description: "Health, the demo page and this reference (no key)" },
  ],
};
