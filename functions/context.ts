/** The typed Hono environment shared by routes and middleware. */
import type { SpanRecorder } from "../src/core/observability/span-recorder.js";
import type { AccessContext } from "../src/services/access-service.js";
import type { Services } from "../src/services/services.js";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    services: Services;
    /** Who is calling (set by the authentication middleware). */
    access: AccessContext;
    /** The tenant the request acts on. */
    tenantId: string;
    /** This request's id, echoed in X-Request-Id (set by the request-context middleware). */
    requestId: string;
    /** This request's spans: `c.var.spans.time("embed", fn)` (set by the request-context middleware). */
    spans: SpanRecorder;
    /** Counts for the request's log line, e.g. `results`, `sources`; numbers only, never text. */
    requestCounts: Record<string, number>;
  };
}
