/**
 * Tracing of a queue batch: a span recorder per batch that also opens
 * Workers' platform spans (`tracing.enterSpan`, when the runtime has it) for
 * each stage, and, after the batch, the export of its spans as OTLP/HTTP JSON
 * to the collector named by `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` /
 * `OTEL_EXPORTER_OTLP_ENDPOINT` — the same variables and body as HTTP
 * requests (functions/middleware/request-context.ts). The post runs in
 * `ctx.waitUntil`; a failing collector is ignored. What the spans hold (ids,
 * counts, tenants, never document text) is the ingest processor's business.
 */
import { exportSpans, platformTracer } from "../src/adapters/cloudflare/trace-export.js";
import { SpanRecorder, type PlatformTracer } from "../src/core/observability/span-recorder.js";

export interface BatchTracingOptions {
  /** The worker's environment: the OTLP variables and the mode (LOCAL_SERVICES). */
  env?: Partial<Env> | Record<string, unknown>;
  /** Keeps the export alive after the batch is handled. */
  ctx?: Pick<ExecutionContext, "waitUntil">;
  /** The platform tracer. Default: Workers' `tracing` when the runtime has it; null disables. */
  platformTracer?: PlatformTracer | null;
  /** `fetch` for the export. Default: the global `fetch`, looked up at export time. */
  fetch?: typeof fetch;
  serviceName?: string;
}

/** A span recorder for one batch. */
export function batchSpanRecorder(options: BatchTracingOptions = {}): SpanRecorder {
  const platform = options.platformTracer === undefined ? platformTracer() : (options.platformTracer ?? undefined);
  return new SpanRecorder({ platform });
}

/** Posts the batch's finished spans to the OTLP collector, if one is configured. Never throws. */
export function exportBatchSpans(spans: SpanRecorder, options: BatchTracingOptions = {}): void {
  spans.endOpen();
  exportSpans(spans, {
    env: options.env as Record<string, unknown> | undefined,
    serviceName: options.serviceName ?? "edge-rag",
    fetch: options.fetch,
    waitUntil: options.ctx ? (promise) => options.ctx!.waitUntil(promise) : undefined,
  });
}
