/** HTTP details shared by the OpenAI-compatible adapters (chat completions, embeddings). */
import { AppError } from "../../core/errors.js";

/** The fetch to use: the given one, or the global one called unbound-safe (workerd rejects a detached `fetch`). */
export function resolveFetch(custom: typeof fetch | undefined): typeof fetch {
  return custom ?? ((input, init) => fetch(input, init));
}

/** Request headers for an OpenAI-compatible API. */
export function openAiHeaders(apiKey: string | undefined, accept: string): Record<string, string> {
  return { "content-type": "application/json", accept, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) };
}

/**
 * Maps a failed HTTP response from an OpenAI-compatible API to a sanitised
 * AppError: 401/403 and 404 are configuration problems (MISCONFIGURED),
 * 429 and everything else are UPSTREAM_UNAVAILABLE. The status (and
 * Retry-After, when sent) go in `details`; a snippet of the body goes only
 * in `cause`, for logs. The body is consumed.
 */
export async function upstreamHttpError(response: Response, service: string): Promise<AppError> {
  const status = response.status;
  const body = await response.text().catch(() => "");
  const cause = new Error(`${service} responded ${status}: ${body.slice(0, 500)}`);
  const retryAfter = response.headers.get("retry-after");
  const details = { status, ...(retryAfter ? { retryAfter } : {}) };
  if (status === 401 || status === 403) {
    return new AppError("MISCONFIGURED", `the ${service} rejected the configured credentials`, { cause, details });
  }
  if (status === 404) return new AppError("MISCONFIGURED", `the configured ${service} model or URL was not found`, { cause, details });
  if (status === 429) return new AppError("UPSTREAM_UNAVAILABLE", `the ${service} is rate limited; try again later`, { cause, details });
  return new AppError("UPSTREAM_UNAVAILABLE", `the ${service} is unavailable`, { cause, details });
}
