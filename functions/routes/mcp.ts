/**
 * /mcp: the Model Context Protocol endpoint (Streamable HTTP transport,
 * stateless: no sessions; each POST carries one JSON-RPC message or batch and
 * is answered with JSON, `enableJsonResponse`). Authenticated in app.ts with
 * the same bearer keys as /v1; the tools check scopes and rate limits
 * themselves (functions/mcp/). A new server and transport serve each request.
 *
 * Any other method is 405 with `Allow: POST`: GET (a server-to-client SSE
 * stream) and DELETE (ending a session) mean nothing without sessions, and
 * MCP clients expect exactly that answer from a stateless server. Protocol
 * errors (bad JSON-RPC, an `Accept` without both JSON and SSE, a body over
 * 512 KiB) are the transport's JSON-RPC error answers.
 */
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../../src/core/errors.js";
import type { AppEnv } from "../context.js";
import { errorResponse } from "../middleware/error-handler.js";
import { keyWith, named, type ApiOperation } from "../openapi/api-operation.js";

/** Largest MCP request body (the largest tool arguments are an `ask` question of 32,000 characters). */
export const maxMcpBodyBytes = 512 * 1024;

export const mcpRoutes = new Hono<AppEnv>().all("/", async (c) => {
  if (c.req.method !== "POST") {
    const response = errorResponse(c, new AppError("METHOD_NOT_ALLOWED", "this MCP endpoint is stateless: send JSON-RPC messages with POST"));
    response.headers.set("allow", "POST");
    return response;
  }
  // Loaded on first use: the SDK's module setup (hundreds of zod schemas) stays off other requests' cold starts.
  const { createMcpServer, WebStandardStreamableHTTPServerTransport } = await import("../mcp/mcp-server.js");
  const server = createMcpServer({
    services: c.var.services,
    access: c.var.access,
    tenantId: c.var.tenantId,
    requestId: c.var.requestId,
    clientAddress: c.req.header("cf-connecting-ip"),
    spans: c.var.spans,
    requestCounts: c.var.requestCounts,
  });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, maxRequestBodySize: maxMcpBodyBytes });
  await server.connect(transport);
  try {
    // Resolves once every request in the body has its answer (JSON, not a stream).
    return await transport.handleRequest(c.req.raw);
  } finally {
    await server.close();
  }
});

const jsonRpcId = z.union([z.string(), z.number().int()]);

const mcpMessageSchema = z.object({
  jsonrpc: z.literal("2.0"),
  id: jsonRpcId.optional().describe("Present on requests, absent on notifications"),
  method: z.string().describe("`initialize`, `tools/list`, `tools/call`, `ping`, `notifications/initialized`, …"),
  params: z.record(z.string(), z.unknown()).optional(),
});

const mcpResponseSchema = z.object({
  jsonrpc: z.literal("2.0"),
  id: jsonRpcId.nullable(),
  result: z.record(z.string(), z.unknown()).optional().describe("For `tools/call`: `{content, structuredContent, isError?}`"),
  error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }).optional(),
});

/** API reference (functions/openapi/). */
export const mcpOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/mcp",
    operationId: "mcp",
    summary: "Model Context Protocol (Streamable HTTP, stateless)",
    description:
      "JSON-RPC messages of the Model Context Protocol, for AI clients: tools `search`, `ask`, `get_document` and `list_documents`. Send `Accept: application/json, text/event-stream`; a batch (an array of messages) gets an array back. Any key may connect; each tool checks its own scope (`search` and `ask` need query, the document tools ingest or query) and rate limits, and reports a refusal as a tool result with `isError: true`. Other methods are 405 (no sessions, no SSE stream).",
    tags: ["Search and chat"],
    auth: keyWith("ingest", "query"),
    body: { ...named("McpMessage", mcpMessageSchema), maxBytes: maxMcpBodyBytes, description: "One JSON-RPC message, or an array of them" },
    responses: {
      200: { description: "The JSON-RPC response(s)", json: named("McpResponse", mcpResponseSchema) },
      202: { description: "Only notifications were sent: nothing to answer" },
      400: { description: "Not a JSON-RPC message (a JSON-RPC error, id null)", json: named("McpResponse", mcpResponseSchema) },
      413: { description: "The body is over 512 KiB (a JSON-RPC error)", json: named("McpResponse", mcpResponseSchema) },
      415: { description: "Not `Content-Type: application/json` (a JSON-RPC error)", json: named("McpResponse", mcpResponseSchema) },
    },
  },
];
