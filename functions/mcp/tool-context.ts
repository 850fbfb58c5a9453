/**
 * What an MCP tool call runs with, and the rules every tool shares with the
 * REST routes it mirrors:
 * - `requireToolScope`: the routes' scope rule (`hasScope`; `admin` passes
 *   everywhere), refused as FORBIDDEN;
 * - `chargeRateLimit`: the routes' rate limits and budgets (the same
 *   counters: a search through MCP counts like `POST /v1/search`);
 * - `runTool`: every failure becomes a tool result with `isError: true` that
 *   a model can read — an AppError with its code and client-safe message
 *   (and `retry_after_seconds` when it says when to retry), anything else
 *   logged once and reported as an internal error, never a stack or an
 *   upstream message. (The SDK would otherwise put any thrown message in the
 *   result verbatim.)
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Scope } from "../../src/core/api-keys.js";
import { AppError } from "../../src/core/errors.js";
import { clientAddressKey } from "../../src/core/limits/client-address.js";
import type { SpanRecorder } from "../../src/core/observability/span-recorder.js";
import type { AccessContext } from "../../src/services/access-service.js";
import type { Services } from "../../src/services/services.js";
import type { LimitedAction } from "../../src/services/usage-limits.js";
import { hasScope } from "../middleware/auth.js";

export interface ToolContext {
  services: Services;
  /** Who is calling (the authentication middleware's result). */
  access: AccessContext;
  /** The tenant the request acts on. */
  tenantId: string;
  requestId: string;
  /** The client's address for per-address limits (`CF-Connecting-IP`; absent locally). */
  clientAddress: string | undefined;
  /** The HTTP request's spans: tool stages (embed, vector, …) appear in its log line and trace. */
  spans: SpanRecorder;
  /** Counts for the request's log line (numbers only). */
  requestCounts: Record<string, number>;
}

/** Refuses the call unless the key has one of `allowed` (or `admin`). */
export function requireToolScope(context: ToolContext, tool: string, ...allowed: Scope[]): void {
  if (!hasScope(context.access.scopes, allowed)) {
    throw new AppError("FORBIDDEN", `this key lacks the scope for the ${tool} tool (needs ${["admin", ...allowed].join(" or ")})`);
  }
}

/** Counts the call against the caller's rate limits and budgets; refused as RATE_LIMITED or BUDGET_EXHAUSTED. */
export async function chargeRateLimit(context: ToolContext, action: LimitedAction): Promise<void> {
  const decision = await context.services.limits.check(context.access, action, clientAddressKey(context.clientAddress));
  if (!decision.allowed) throw new AppError(decision.code, decision.message, { retryAfterSeconds: decision.retryAfterSeconds });
}

/** Runs a tool's body; any failure becomes an `isError` result (see the file comment). */
export async function runTool(context: ToolContext, tool: string, body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (error) {
    return toolError(context, tool, error);
  }
}

function toolError(context: ToolContext, tool: string, error: unknown): CallToolResult {
  if (error instanceof AppError) {
    const retryAfter = error.retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(error.retryAfterSeconds));
    return {
      content: [{ type: "text", text: `${error.code}: ${error.message}` }],
      structuredContent: { error: { ...error.toJSON().error, ...(retryAfter === undefined ? {} : { retry_after_seconds: retryAfter }) } },
      isError: true,
    };
  }
  context.services.log.error("mcp.tool_failed", {
    request_id: context.requestId,
    tool,
    error: String(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
  return {
    content: [{ type: "text", text: "INTERNAL: internal error" }],
    structuredContent: { error: { code: "INTERNAL", message: "internal error" } },
    isError: true,
  };
}
