/**
 * The `search` tool: `POST /v1/search` for a model. Same inputs (query,
 * top_k, mode, filter, rerank; same limits), same scope (query), same rate
 * limits, same service. The result: the passages as numbered `[n]` text, and
 * the REST response as `structuredContent`.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { parseMetadataFilter } from "../../../src/core/search/metadata-filter.js";
import { reservedFilterKeys, searchSchema } from "../../schemas.js";
import { oneLine, passagesAreData, passageText } from "../passage-text.js";
import { chargeRateLimit, requireToolScope, runTool, type ToolContext } from "../tool-context.js";

/** A metadata filter, as a tool argument (validated further by `parseMetadataFilter`). */
export const filterArgument = z
  .record(z.string(), z.unknown())
  .optional()
  .describe(
    'Metadata filter in Vectorize syntax, applied inside the search: {"product": "cloud"}, {"year": {"$gte": 2024}}, {"document_id": {"$in": ["a", "b"]}}. Operators: $eq $ne $in $nin $lt $lte $gt $gte.',
  );

export const modeDescription = "hybrid (default): keyword (BM25) and vector search fused; keyword: BM25 only; vector: embeddings only.";

const searchArguments = z.strictObject({
  query: searchSchema.shape.query.describe("What to look for: a question or key words."),
  top_k: searchSchema.shape.top_k.describe("How many passages to return (1–50 unless the server allows more; default 8)."),
  mode: searchSchema.shape.mode.describe(modeDescription),
  filter: filterArgument,
  rerank: searchSchema.shape.rerank.describe("Re-score the best candidates with a cross-encoder (default: the index's setting)."),
});

export function registerSearchTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    "search",
    {
      title: "Search the documents",
      description:
        "Searches the indexed documents and returns the most relevant passages, best first, numbered [1], [2], … with their document id, title, section and URL. Use it to find where something is written; use `ask` for a written answer.",
      inputSchema: searchArguments,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args, extra) =>
      runTool(context, "search", async () => {
        requireToolScope(context, "search", "query");
        const filter = args.filter === undefined ? undefined : parseMetadataFilter(args.filter, { reservedKeys: reservedFilterKeys });
        await chargeRateLimit(context, "search");
        const response = await context.services.search.search({
          tenantId: context.tenantId,
          query: args.query,
          topK: args.top_k,
          mode: args.mode,
          filter,
          rerank: args.rerank,
          signal: extra.signal,
          spans: context.spans,
        });
        context.requestCounts.results = (context.requestCounts.results ?? 0) + response.results.length;
        const lines = [
          response.results.length === 0
            ? `No passages match "${oneLine(args.query)}" (${args.mode} search).`
            : `${response.results.length} passage${response.results.length === 1 ? "" : "s"} for "${oneLine(args.query)}" (${args.mode} search), best first. ${passagesAreData}`,
        ];
        if (response.degraded) lines.push(`Degraded: ${response.degraded.join(", ")} skipped (provider unavailable).`);
        const passages = response.results.map((result, index) => passageText(index + 1, result, { score: result.score }));
        return {
          content: [{ type: "text", text: [lines.join("\n"), ...passages].join("\n\n") }],
          structuredContent: { ...response },
        };
      }),
  );
}
