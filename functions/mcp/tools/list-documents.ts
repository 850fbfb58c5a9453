/**
 * The `list_documents` tool: `GET /v1/documents` (ordered by id, paged with
 * an opaque cursor, optionally by status), same scopes (ingest or query).
 * The result: one line per document, and the REST page as
 * `structuredContent` (`{documents, next_cursor}`).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { decodeCursor, encodeCursor, toView } from "../../routes/documents.js";
import { listQuerySchema } from "../../schemas.js";
import { oneLine } from "../passage-text.js";
import { requireToolScope, runTool, type ToolContext } from "../tool-context.js";

const listArguments = z.strictObject({
  limit: listQuerySchema.shape.limit.describe("Documents per page (1–100, default 20)."),
  cursor: listQuerySchema.shape.cursor.describe("next_cursor of the previous page; omit for the first page."),
  status: listQuerySchema.shape.status.describe("Only documents with this status."),
});

export function registerListDocumentsTool(server: McpServer, context: ToolContext): void {
  server.registerTool(
    "list_documents",
    {
      title: "List documents",
      description: "Lists the indexed documents by id with their title, status and chunk count, a page at a time; pass next_cursor as cursor for the next page.",
      inputSchema: listArguments,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(context, "list_documents", async () => {
        requireToolScope(context, "list_documents", "ingest", "query");
        const after = args.cursor === undefined ? undefined : decodeCursor(args.cursor);
        const page = await context.services.documents.list(context.tenantId, { limit: args.limit, cursor: after, status: args.status });
        const documents = page.documents.map(toView);
        const nextCursor = page.nextCursor === null ? null : encodeCursor(page.nextCursor);
        const lines =
          documents.length === 0
            ? [args.cursor === undefined ? "No documents." : "No more documents."]
            : [
                `${documents.length} document${documents.length === 1 ? "" : "s"}${args.status ? ` with status ${args.status}` : ""}:`,
                ...documents.map(
                  (doc) => `- ${doc.id}${doc.title ? ` "${oneLine(doc.title)}"` : ""}: ${doc.status}, ${doc.chunks} chunk${doc.chunks === 1 ? "" : "s"}, version ${doc.version}`,
                ),
              ];
        if (nextCursor !== null) lines.push(`More: call list_documents with cursor "${nextCursor}".`);
        return {
          content: [{ type: "text", text: lines.join("\n") }],
          structuredContent: { documents, next_cursor: nextCursor },
        };
      }),
  );
}
