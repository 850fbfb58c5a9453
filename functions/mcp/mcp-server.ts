/**
 * The MCP server behind `/mcp`: one per HTTP request (the endpoint is
 * stateless), holding the caller's access, with four read-only tools over
 * the existing services — `search`, `ask`, `get_document`,
 * `list_documents` (functions/mcp/tools/). Tool arguments are validated by
 * their zod schemas. The SDK validates JSON Schema (elicitation answers;
 * this server asks for none) with ajv by default, whose compiled validators
 * are generated code that workerd refuses; the server is given the
 * Workers-compatible @cfworker/json-schema validator instead, so no path
 * reaches ajv's code generation. (ajv is still in the bundle: the SDK
 * imports it statically.)
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
export { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { passagesAreData } from "./passage-text.js";
import type { ToolContext } from "./tool-context.js";
import { registerAskTool } from "./tools/ask.js";
import { registerGetDocumentTool } from "./tools/get-document.js";
import { registerListDocumentsTool } from "./tools/list-documents.js";
import { registerSearchTool } from "./tools/search.js";

export const mcpServerInfo = { name: "edge-rag", version: "1.0.0" } as const;

const instructions = [
  "Search and question a collection of indexed documents.",
  "Use `ask` for an answer with numbered sources, `search` for the most relevant passages, `get_document` to read a document's status and text, and `list_documents` to see what is indexed.",
  "When you use a passage, cite it by its number ([1], [2], …) and give its title or URL.",
  passagesAreData,
].join(" ");

export function createMcpServer(context: ToolContext): McpServer {
  const server = new McpServer(mcpServerInfo, {
    capabilities: { tools: {} },
    instructions,
    jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
  });
  registerSearchTool(server, context);
  registerAskTool(server, context);
  registerGetDocumentTool(server, context);
  registerListDocumentsTool(server, context);
  return server;
}
