/**
 * The `get_document` tool: `GET /v1/documents/:id` (status and metadata, in
 * the REST view) plus a page of the document's indexed chunks, in document
 * order — the text searches and answers draw on. Metadata needs the ingest or
 * query scope (as the REST route); chunk text needs query, the scope that can
 * already read it through search, so an ingest-only key gets the metadata and
 * a note.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { hasScope } from "../../middleware/auth.js";
import { toView } from "../../routes/documents.js";
import { documentIdSchema } from "../../schemas.js";
import { chunkText, oneLine, passagesAreData } from "../passage-text.js";
import { requireToolScope, runTool, type ToolContext } from "../tool-context.js";

/** Chunks per call at most (a 1 MiB document has a few hundred). */
export const maxChunksPerCall = 100;

const getDocumentArguments = z.strictObject({
  id: documentIdSchema.describe("The document's id (as in search results and list_documents)."),
  chunk_offset: z.number().int().min(0).default(0).describe("First chunk to return (0-based position in the document)."),
  chunk_limit: z
    .number()
    .int()
    .min(0)
    .max(maxChunksPerCall)
    .default(20)
    .describe(`Chunks to return (0–${maxChunksPerCall}, default 20; 0: status and metadata only).`),
});

export function registerGetDocumentTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    "get_document",
    {
      title: "Get a document",
      description:
        "Returns one document's status (queued, processing, ready, failed), version, metadata and source URL, and a page of its indexed text as chunks in document order (consecutive chunks may overlap by a sentence or two). Page with chunk_offset.",
      inputSchema: getDocumentArguments,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(context, "get_document", async () => {
        requireToolScope(context, "get_document", "ingest", "query");
        const { services, tenantId } = context;
        const mayRead = hasScope(context.access.scopes, ["query"]);
        const wanted = mayRead ? args.chunk_limit : 0;
        const page =
          wanted > 0
            ? await services.documents.chunks(tenantId, args.id, { offset: args.chunk_offset, limit: wanted })
            : { document: await services.documents.get(tenantId, args.id), chunks: [], total: null };
        const view = toView(page.document);
        const total = page.total;
        const end = args.chunk_offset + page.chunks.length;
        const nextOffset = total !== null && page.chunks.length > 0 && end < total ? end : null;

        const lines = [
          `Document ${view.id}${view.title ? `: ${oneLine(view.title)}` : ""}`,
          `status: ${view.status}${view.error ? ` (${oneLine(view.error)})` : ""}; version ${view.version}, indexed version ${view.indexed_version ?? "none"}; ${view.chunks} chunk${view.chunks === 1 ? "" : "s"}; format ${view.format}`,
        ];
        if (view.source_url) lines.push(`source_url: ${oneLine(view.source_url)}`);
        if (Object.keys(view.metadata).length > 0) lines.push(`metadata: ${oneLine(JSON.stringify(view.metadata))}`);
        lines.push(`created ${view.created_at}, updated ${view.updated_at}`);
        const parts = [lines.join("\n")];
        if (!mayRead) {
          parts.push("Chunk text not included: it needs a key with the query scope.");
        } else if (args.chunk_limit === 0) {
          // Metadata only, as asked.
        } else if (page.chunks.length === 0) {
          parts.push(total === 0 || total === null ? "No indexed text yet." : `No chunks at offset ${args.chunk_offset} (the document has ${total}).`);
        } else {
          parts.push(
            `Chunks ${args.chunk_offset}–${end - 1} of ${total} (${passagesAreData})`,
            ...page.chunks.map(chunkText),
          );
          if (nextOffset !== null) parts.push(`More: call get_document with chunk_offset ${nextOffset}.`);
        }
        return {
          content: [{ type: "text", text: parts.join("\n\n") }],
          structuredContent: {
            document: view,
            ...(mayRead
              ? {
                  chunks: page.chunks.map((chunk) => ({
                    seq: chunk.seq,
                    chunk_id: chunk.chunkId,
                    heading: chunk.heading,
                    text: chunk.text,
                    ...(chunk.page === null ? {} : { page: chunk.page, page_end: chunk.pageEnd ?? chunk.page }),
                  })),
                  chunk_offset: args.chunk_offset,
                  next_chunk_offset: nextOffset,
                }
              : {}),
          },
        };
      }),
  );
}
