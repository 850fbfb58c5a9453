/**
 * The first middleware of every request: its id, its spans and its one log
 * line.
 *
 * - `X-Request-Id`: the client's value when it is short and safe (at most
 *   128 characters of `A-Z a-z 0-9 . _ : -`), else a new UUID; set on every
 *   response — success, error, 404, CORS preflight, SSE stream — and on
 *   `c.var.requestId`.
 * - Spans: `c.var.spans` is a span recorder for this request, whose root
 *   span is the request itself (`POST /v1/search`, kind server). Stage code
 *   calls `c.var.spans.time("embed", fn)`: every span carries the request id
 *   and, once authentication has run, the tenant. A valid incoming W3C
 *   `traceparent` continues the caller's trace.
 * - One structured log line per request, written when the request ends —
 *   for an SSE response when the stream ends or is cancelled, not when the
 *   headers go out:
 *   `{"level":"info","event":"http.request","request_id","trace_id","method",
 *   "route","status","duration_ms","tenant","stages":{"embed":12.3,…},
 *   "counts":{…},"stream":"completed"|"cancelled"|"errored"}`.
 *   `route` is the matched route pattern (`/v1/documents/:id`), never the raw
 *   path; a request no route matched is `(unmatched)`. `stages` holds the
 *   wall time of each span name (see core/observability/stage-durations.ts);
 *   `counts` what handlers put in `c.var.requestCounts` (numbers only). The
 *   line holds no header, no query string, no body: never the API key, the
 *   Authorization header, query text or document text. It goes through the
 *   services' structured logger (LOG_LEVEL, credential redaction), or a
 *   console logger at info when the services could not be built. A 5xx is
 *   logged at warn.
 *
 * Where spans go:
 * - Local mode (the LOCAL_SERVICES binding is present): the log line also
 *   holds `spans`, a compact list (name, ids, start offset, duration, status,
 *   attributes) — see core/observability/span-summary.ts.
 * - Any mode, optionally: OTLP/HTTP JSON to a collector. Set
 *   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL, used as is) or
 *   `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL; `/v1/traces` is appended), as
 *   a var or in `.dev.vars`. The spans of each request are posted once it
 *   ends, in `ctx.waitUntil`; failures are ignored. No authentication header
 *   is sent: point it at a local collector (e.g. `http://localhost:4318`).
 * - Production: Workers' built-in tracing (`[observability.traces]` in
 *   wrangler.toml) traces handler invocations, binding calls and outbound
 *   fetches, and exports OTLP to destinations set in the dashboard. This
 *   middleware opens a platform span `http.request` around
 *   the request (attributes `request_id`, `tenant`, `http.route`,
 *   `http.response.status_code`), and `c.var.spans.time()` opens a platform
 *   span per stage inside it, so production traces show the same stages.
 */
// A namespace import: a runtime without `tracing` leaves it undefined instead of failing to link.
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes, routePath } from "hono/route";
import { exportSpans, platformTracer } from "../../src/adapters/cloudflare/trace-export.js";
import { generateRequestId, resolveRequestId } from "../../src/core/observability/request-id.js";
import { SpanRecorder, type PlatformSpan, type PlatformTracer } from "../../src/core/observability/span-recorder.js";
import { summarizeSpans } from "../../src/core/observability/span-summary.js";
import { stageDurations } from "../../src/core/observability/stage-durations.js";
import { cryptoRandomBytes, parseTraceparent, type RandomBytes } from "../../src/core/observability/trace-ids.js";
import { createConsoleLogger, type Logger } from "../../src/services/logger.js";
import type { AppEnv } from "../context.js";

/** How a streamed response ended. */
export type StreamOutcome = "completed" | "cancelled" | "errored";

/** What the log line says about a request, also handed to `onEnd`. */
export interface RequestSummary {
  requestId: string;
  traceId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  tenant?: string;
  stages: Record<string, number>;
  counts: Record<string, number>;
  /** Set for streamed (SSE) responses. */
  stream?: StreamOutcome;
}

export interface RequestContextOptions {
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  generateRequestId?: () => string;
  random?: RandomBytes;
  /** Where the line goes. Default: the services' logger, else a console logger at info. */
  logger?: Logger;
  /** Put the spans in the log line. Default: in local mode (LOCAL_SERVICES binding present). */
  logSpans?: boolean;
  /** The platform tracer. Default: Workers' `tracing` when the runtime has it; null disables. */
  platformTracer?: PlatformTracer | null;
  /** `fetch` for the OTLP export. Default: the global `fetch`, looked up at export time. */
  fetch?: typeof fetch;
  /** `service.name` of exported spans. Default "edge-rag". */
  serviceName?: string;
  /** Called once per request, after its log line (e.g. to record an `http_request` metric). Errors are ignored. */
  onEnd?: (summary: RequestSummary, c: Context<AppEnv>) => void;
}

export const requestIdHeader = "x-request-id";
/** The route of a request no route matched. */
export const unmatchedRoute = "(unmatched)";

const fallbackLogger = createConsoleLogger("info");

export function requestContext(options: RequestContextOptions = {}): MiddlewareHandler<AppEnv> {
  const now = options.now ?? Date.now;
  const generate = options.generateRequestId ?? generateRequestId;
  const random = options.random ?? cryptoRandomBytes;
  const platform = options.platformTracer === undefined ? platformTracer() : (options.platformTracer ?? undefined);
  const serviceName = options.serviceName ?? "edge-rag";

  return async (c, next) => {
    const started = now();
    const requestId = resolveRequestId(c.req.header(requestIdHeader), generate);
    const incoming = parseTraceparent(c.req.header("traceparent"));
    const spans = new SpanRecorder({
      now,
      random,
      traceId: incoming?.traceId,
      parentSpanId: incoming?.parentSpanId,
      attributes: { request_id: requestId },
      platform,
    });
    const method = c.req.method;
    const root = spans.start(method, { kind: "server", attributes: { "http.request.method": method } });
    const counts: Record<string, number> = {};
    c.set("requestId", requestId);
    c.set("spans", spans);
    c.set("requestCounts", counts);

    let thrown: { error: unknown } | undefined;
    const handle = async (platformSpan: PlatformSpan | undefined) => {
      try {
        await next();
      } catch (error) {
        // Hono turns thrown Errors into responses before they get here; only non-Error throws arrive.
        thrown = { error };
      }
      const route = routeOf(c);
      const status = thrown ? 500 : c.res.status;
      const tenant = c.var.tenantId;
      if (tenant) spans.setAttribute("tenant", tenant);
      if (platformSpan) {
        platformSpan.setAttribute("request_id", requestId);
        if (tenant) platformSpan.setAttribute("tenant", tenant);
        platformSpan.setAttribute("http.route", route);
        platformSpan.setAttribute("http.response.status_code", status);
      }
      return { route, status, tenant };
    };
    const { route, status, tenant } = await withPlatformSpan(platform, handle);
    root.updateName(route === unmatchedRoute ? method : `${method} ${route}`);
    root.setAttributes({ "http.route": route, "http.response.status_code": status });
    if (status >= 500) root.fail(String(status));

    let finished = false;
    const finish = (stream?: StreamOutcome) => {
      if (finished) return;
      finished = true;
      try {
        if (stream === "errored") root.fail("stream_errored");
        root.end();
        spans.endOpen();
        const summary: RequestSummary = {
          requestId,
          traceId: spans.traceId,
          method,
          route,
          status,
          durationMs: Math.round((now() - started) * 100) / 100,
          ...(tenant ? { tenant } : {}),
          stages: stageDurations(spans.stages()),
          counts: finiteNumbers(counts),
          ...(stream ? { stream } : {}),
        };
        writeLine(c, summary, spans, options);
        exportSpans(spans, {
          env: c.env as unknown as Record<string, unknown> | undefined,
          serviceName,
          fetch: options.fetch,
          waitUntil: (promise) => {
            try {
              c.executionCtx.waitUntil(promise);
            } catch {
              // No execution context (app.request in tests): the promise runs on its own.
            }
          },
        });
        options.onEnd?.(summary, c);
      } catch {
        // Observability never breaks the response.
      }
    };

    if (thrown) {
      finish();
      throw thrown.error;
    }
    c.header(requestIdHeader, requestId);
    const body = c.res.body;
    if (body && isEventStream(c.res)) {
      c.res = new Response(observeEnd(body, finish), c.res);
    } else {
      finish();
    }
  };
}

/** Runs `handle` inside a platform span `http.request`, or without one when there is no tracer or it fails before running `handle`. */
async function withPlatformSpan<T>(platform: PlatformTracer | undefined, handle: (span: PlatformSpan | undefined) => Promise<T>): Promise<T> {
  if (!platform) return handle(undefined);
  let entered = false;
  try {
    return await platform.enterSpan("http.request", (span) => {
      entered = true;
      return handle(span);
    });
  } catch (error) {
    if (entered) throw error;
    return handle(undefined);
  }
}

/** The matched route pattern: the last matched route of a method (not a middleware), else the route that answered (a preflight), else `(unmatched)`. */
function routeOf(c: Context<AppEnv>): string {
  try {
    const routes = matchedRoutes(c);
    const handler = routes.filter((route) => route.method !== "ALL").at(-1);
    if (handler) return handler.path;
    if (c.res.status === 404) return unmatchedRoute;
    const answered = routePath(c);
    return answered && answered !== "*" ? answered : unmatchedRoute;
  } catch {
    return unmatchedRoute;
  }
}

function isEventStream(response: Response): boolean {
  return /^text\/event-stream\b/i.test(response.headers.get("content-type") ?? "");
}

/**
 * Passes `body` through unchanged, reading upstream only when the client
 * reads (no buffering), and calls `onEnd` once when it completes, fails or
 * is cancelled.
 */
export function observeEnd(body: ReadableStream<Uint8Array>, onEnd: (outcome: StreamOutcome) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = (outcome: StreamOutcome) => {
    if (ended) return;
    ended = true;
    onEnd(outcome);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          end("errored");
          controller.error(error);
          return;
        }
        if (result.done) {
          end("completed");
          controller.close();
          return;
        }
        controller.enqueue(result.value);
      },
      async cancel(reason) {
        end("cancelled");
        await reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

function finiteNumbers(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => typeof value === "number" && Number.isFinite(value)));
}

function localMode(c: Context<AppEnv>): boolean {
  return Boolean((c.env as Partial<Env> | undefined)?.LOCAL_SERVICES);
}

function writeLine(c: Context<AppEnv>, summary: RequestSummary, spans: SpanRecorder, options: RequestContextOptions): void {
  const logger = options.logger ?? c.var.services?.log ?? fallbackLogger;
  const logSpans = options.logSpans ?? localMode(c);
  const fields: Record<string, unknown> = {
    request_id: summary.requestId,
    trace_id: summary.traceId,
    method: summary.method,
    route: summary.route,
    status: summary.status,
    duration_ms: summary.durationMs,
    ...(summary.tenant ? { tenant: summary.tenant } : {}),
    stages: summary.stages,
    ...(Object.keys(summary.counts).length > 0 ? { counts: summary.counts } : {}),
    ...(summary.stream ? { stream: summary.stream } : {}),
    ...(logSpans ? { spans: summarizeSpans(spans.finished(), { omitAttributes: ["request_id", "tenant"] }) } : {}),
    ...(spans.droppedSpans > 0 ? { dropped_spans: spans.droppedSpans } : {}),
  };
  if (summary.status >= 500) logger.warn("http.request", fields);
  else logger.info("http.request", fields);
}

