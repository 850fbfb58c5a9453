/**
 * Errors in a shape OpenAI clients read. This API's errors are
 * `{"error": {"code", "message", "details"?}}`; OpenAI's SDKs read
 * `error.message`, `error.type`, `error.code` and `error.param`. The
 * OpenAI-compatible routes answer the same body with two fields added:
 * `type`, from the HTTP status (table below), and `param`, the request field
 * at fault when known (a validation error's first path), else null. The
 * house `code` (e.g. VALIDATION_FAILED, RATE_LIMITED) stays as it is.
 */
import { errorStatus } from "../errors.js";

/** OpenAI's error `type` for an HTTP status. */
export function openAiErrorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

export interface OpenAiCompatibleError {
  code: string;
  message: string;
  type: string;
  param: string | null;
  details?: unknown;
}

/**
 * The OpenAI-compatible form of an error body this API produced, or
 * undefined when `body` is not one (left as it is).
 */
export function toOpenAiErrorBody(body: unknown, status: number): { error: OpenAiCompatibleError } | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const { code, message, details, param } = body.error;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return {
    error: {
      code,
      message,
      type: openAiErrorType(status),
      param: typeof param === "string" ? param : paramOf(details),
      ...(details === undefined ? {} : { details }),
    },
  };
}

/** The error object of an OpenAI-style stream's error frame, from a sanitised `{code, message}`. */
export function openAiStreamError(data: { code: string; message: string }): OpenAiCompatibleError {
  const status = (errorStatus as Record<string, number>)[data.code] ?? (data.code === "TIMEOUT" ? 504 : 500);
  return { code: data.code, message: data.message, type: openAiErrorType(status), param: null };
}

/** The first issue's path of a validation error's details (`[{path, message}]`), when it names one. */
function paramOf(details: unknown): string | null {
  if (!Array.isArray(details)) return null;
  const first: unknown = details[0];
  return isRecord(first) && typeof first.path === "string" && first.path !== "" ? first.path : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
