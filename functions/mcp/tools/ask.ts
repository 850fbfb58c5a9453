/**
 * The `ask` tool: `POST /v1/chat` with `stream: false`, for one question.
 * Same service (ChatService: retrieval, prompt, generator, citation filter,
 * extractive fallback), same answer cache (`cache` in structuredContent),
 * same scope (query), same rate limits and daily token budget. The result: the answer, whose `[n]` cite the numbered sources that
 * follow it, and the REST answer as `structuredContent` (with `grounded`;
 * a decline lists no sources in the text).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { parseMetadataFilter } from "../../../src/core/search/metadata-filter.js";
import { chatSchema, reservedFilterKeys } from "../../schemas.js";
import { passagesAreData, passageText } from "../passage-text.js";
import { chargeRateLimit, requireToolScope, runTool, type ToolContext } from "../tool-context.js";
import { filterArgument, modeDescription } from "./search.js";
import { chargeGeneratedTokens } from "../../chat-streaming.js";

const askArguments = z.strictObject({
  question: chatSchema.shape.messages.element.shape.content.describe("The question, self-contained (the tool does not see the conversation)."),
  top_k: chatSchema.shape.top_k.describe("How many passages the answer may draw on (1–20, default 6)."),
  mode: chatSchema.shape.mode.describe(modeDescription),
  filter: filterArgument,
  rerank: chatSchema.shape.rerank.describe("Re-score the best candidates with a cross-encoder (default: the index's setting)."),
  cache: chatSchema.shape.cache.describe("false: answer afresh instead of from the answer cache (default true)."),
});

export function registerAskTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    "ask",
    {
      title: "Ask the documents",
      description:
        "Answers a question from the indexed documents only, citing them as [1], [2], …; the numbered sources follow the answer. If the documents do not answer the question, the answer says so (structuredContent.grounded is false) and lists no sources.",
      inputSchema: askArguments,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args, extra) =>
      runTool(context, "ask", async () => {
        requireToolScope(context, "ask", "query");
        const filter = args.filter === undefined ? undefined : parseMetadataFilter(args.filter, { reservedKeys: reservedFilterKeys });
        await chargeRateLimit(context, "chat");
        const { services, access, tenantId } = context;
        const request = {
          tenantId,
          messages: [{ role: "user" as const, content: args.question }],
          topK: args.top_k,
          mode: args.mode,
          filter,
          rerank: args.rerank,
          signal: extra.signal,
          spans: context.spans,
          // As POST /v1/chat: count the generated tokens and charge them to the key's daily budget.
          onGenerated: chargeGeneratedTokens(services, tenantId, access),
        };
        // /v1/chat's settings, so the same question asked there or here shares one cache entry.
        const settings = { top_k: args.top_k, mode: args.mode, filter: args.filter, rerank: args.rerank };
        const answer = await services.answerCache.answer(request, { cache: args.cache, settings });
        context.requestCounts.sources = (context.requestCounts.sources ?? 0) + answer.sources.length;
        const parts = [answer.answer.trim() === "" ? "(no answer)" : answer.answer.trim()];
        for (const notice of answer.notices ?? []) parts.push(`Note: ${notice.message}`);
        if (!answer.grounded) {
          // A decline cites nothing: the passages retrieval found stay in structuredContent only.
          parts.push("Grounded: no (the indexed documents do not answer this question; no source is cited).");
        } else if (answer.sources.length > 0) {
          parts.push(`Sources (${passagesAreData})`, ...answer.sources.map((source) => passageText(source.n, source)));
        } else {
          parts.push("Sources: none (no indexed passage matched the question).");
        }
        return {
          content: [{ type: "text", text: parts.join("\n\n") }],
          structuredContent: { ...answer },
        };
      }),
  );
}
