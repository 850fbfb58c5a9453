/**
 * Where finished spans go, shared by HTTP requests
 * (functions/middleware/request-context.ts) and queue batches
 * (queues/batch-tracing.ts):
 *
 * - Workers' built-in tracing: `platformTracer()` is the runtime's `tracing`
 *   (from "cloudflare:workers") when it has one, so our stage spans also open
 *   platform spans; undefined otherwise.
 * - An OTLP/HTTP collector named by `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or
 *   `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`: `exportSpans` posts the
 *   spans as OTLP/JSON in the background (`waitUntil`); a failing collector
 *   is ignored, and nothing is sent when neither variable is set.
 */
// A namespace import: a runtime without `tracing` leaves it undefined instead of failing to link.
import * as workers from "cloudflare:workers";
import { toOtlpJson } from "../../core/observability/otlp-json.js";
import type { PlatformTracer, SpanRecorder } from "../../core/observability/span-recorder.js";

/** The OTLP/HTTP traces URL from the environment, if one is set. */
export function otlpTracesEndpoint(env: Record<string, unknown> | undefined): string | undefined {
  const traces = env?.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (typeof traces === "string" && traces.trim() !== "") return traces.trim();
  const base = env?.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (typeof base === "string" && base.trim() !== "") return `${base.trim().replace(/\/+$/, "")}/v1/traces`;
  return undefined;
}

export interface SpanExportOptions {
  /** The worker's environment (the OTLP variables; LOCAL_SERVICES marks local mode). */
  env: Record<string, unknown> | undefined;
  serviceName: string;
  /** Keeps the post alive after the response or batch; without one the promise runs on its own. */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** `fetch` for the post (default: the global one, looked up at export time). */
  fetch?: typeof fetch;
}

/** Posts the recorder's finished spans to the configured collector, if any. Never throws. */
export function exportSpans(spans: SpanRecorder, options: SpanExportOptions): void {
  try {
    const endpoint = otlpTracesEndpoint(options.env);
    if (!endpoint) return;
    const body = JSON.stringify(
      toOtlpJson(spans.finished(), { serviceName: options.serviceName, attributes: { "deployment.environment": options.env?.LOCAL_SERVICES ? "local" : "cloudflare" } }),
    );
    const sent = Promise.resolve()
      .then(async () => {
        const response = await (options.fetch ?? globalThis.fetch)(endpoint, { method: "POST", headers: { "content-type": "application/json" }, body });
        await response.body?.cancel();
      })
      .catch(() => undefined);
    options.waitUntil?.(sent);
  } catch {
    // Tracing never fails the work it describes.
  }
}

/** Workers' platform tracer, when the runtime has one. */
export function platformTracer(): PlatformTracer | undefined {
  try {
    const tracing = (workers as { tracing?: { enterSpan?: unknown } }).tracing;
    return typeof tracing?.enterSpan === "function" ? (tracing as unknown as PlatformTracer) : undefined;
  } catch {
    return undefined;
  }
}
