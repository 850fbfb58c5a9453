/**
 * What a failed Workers AI `run()` says about retrying, without its text.
 * The binding throws `InferenceUpstreamError("<internal code>: <description>")`
 * (workerd's ai-api); Cloudflare documents the HTTP status of each internal
 * code (developers.cloudflare.com/workers-ai/platform/errors). The local
 * stand-in (adapters/local/local-ai.ts) throws an AppError whose details
 * already hold the status it was answered. Either way the adapters put
 * `{status, retryAfter?}` in their AppError's details, as the
 * OpenAI-compatible adapters do, so core/resilience can classify the failure;
 * the upstream text stays in `cause`. Network failures ("Network connection
 * lost", "internal error; reference = …") have no status and are recognised
 * from the cause.
 */
import { AppError } from "../../core/errors.js";

/** Documented internal codes → HTTP status. */
const statusByInternalCode: Record<number, number> = {
  5007: 400, // No such model
  5004: 400, // Invalid data
  3039: 400, // Finetune missing required files
  3003: 400, // Incomplete request
  5018: 403, // Account not allowed for private model
  5016: 403, // Model agreement
  3023: 403, // Account blocked
  3041: 403, // Account not allowed for private model
  5019: 405, // Deprecated SDK version
  5005: 405, // LoRa unsupported
  3042: 404, // Invalid model ID
  3006: 413, // Request too large
  3007: 408, // Timeout
  3008: 408, // Aborted
  3036: 429, // Account limited (daily free allocation used up)
  3040: 429, // Out of capacity
};

export interface UpstreamFailureDetails {
  status: number;
  retryAfter?: string;
}

/**
 * `{status, retryAfter?}` for a failed `run()`, or undefined when the error
 * names no status (network failures, unknown codes).
 */
export function workersAiFailureDetails(error: unknown): UpstreamFailureDetails | undefined {
  if (error instanceof AppError && typeof error.details === "object" && error.details !== null) {
    const { status, retryAfter } = error.details as { status?: unknown; retryAfter?: unknown };
    if (typeof status === "number" && Number.isInteger(status)) {
      return { status, ...(typeof retryAfter === "string" || typeof retryAfter === "number" ? { retryAfter: String(retryAfter) } : {}) };
    }
  }
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : "";
  // "3040: …", as the binding words it (some renderings prefix the error's name).
  const match = /^\s*(?:[A-Za-z]*Error:\s*)?(\d{4}):/.exec(message);
  const status = match ? statusByInternalCode[Number(match[1])] : undefined;
  return status === undefined ? undefined : { status };
}

/** A sanitised UPSTREAM_UNAVAILABLE for a failed `run()`: `message` for clients, the error as cause, the status in details. */
export function workersAiFailure(message: string, error: unknown): AppError {
  const details = workersAiFailureDetails(error);
  return new AppError("UPSTREAM_UNAVAILABLE", message, { cause: error, ...(details ? { details } : {}) });
}
