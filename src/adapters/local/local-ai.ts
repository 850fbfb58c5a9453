/**
 * Local stand-in for the Workers AI binding. Workers AI has no local
 * simulator, so in local mode `run()` is forwarded over the LOCAL_SERVICES
 * service binding to the host Node process, which runs real models
 * (node/local-services.ts). Only embedding models and cross-encoders are
 * served; asking for anything else fails like an unknown model would.
 *
 * A refused call throws AppError("UPSTREAM_UNAVAILABLE") whose details hold
 * the status the local service answered (and its Retry-After, if any), like
 * the OpenAI-compatible adapters do, so the resilience layer can tell a bad
 * request (400, not retried) from an overloaded model (503, retried). The
 * message names only the local error code; the local service's own message
 * goes to `cause`.
 */
import { AppError } from "../../core/errors.js";
import type { AiRunner } from "../../ports/ai-runner.js";
import { decodeMatrix, matrixType } from "./vector-transport.js";

export class LocalAi implements AiRunner {
  constructor(private readonly service: Fetcher) {}

  async run(model: string, inputs: Record<string, unknown>): Promise<unknown> {
    const response = await this.service.fetch("http://local/ai/run", {
      method: "POST",
      // Batches of embeddings may come back as float32 bytes (./vector-transport.ts), not JSON.
      headers: { "content-type": "application/json", accept: `application/json, ${matrixType}` },
      body: JSON.stringify({ model, inputs }),
    });
    if (response.ok && response.headers.get("content-type") === matrixType) {
      const shape = response.headers.get("x-shape");
      try {
        const data = decodeMatrix(await response.arrayBuffer(), shape);
        return { shape: [data.length, data[0]?.length ?? 0], data };
      } catch (error) {
        throw new AppError("UPSTREAM_UNAVAILABLE", "local AI answered with a malformed vector body", { cause: error });
      }
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const code = typeof error?.code === "string" && /^[A-Z][A-Z0-9_]{0,63}$/.test(error.code) ? error.code : undefined;
      const detail = typeof error?.message === "string" ? error.message : text.slice(0, 500) || "request failed";
      const retryAfter = response.headers.get("retry-after");
      throw new AppError("UPSTREAM_UNAVAILABLE", `local AI answered ${response.status}${code ? ` ${code}` : ""}`, {
        cause: new Error(`local AI: ${code ?? response.status}: ${detail}`),
        details: { status: response.status, ...(retryAfter ? { retryAfter } : {}) },
      });
    }
    if (body === undefined) {
      throw new AppError("UPSTREAM_UNAVAILABLE", "local AI answered with invalid JSON", { cause: new Error(`local AI: ${text.slice(0, 200)}`) });
    }
    return body;
  }
}
