/**
 * A span recorder: the spans of one request or one queue batch, in memory.
 * Each span has a name, a kind, attributes, a parent, a start and an end read
 * from an injected clock (milliseconds since the epoch), and W3C/OpenTelemetry
 * trace and span ids. Attributes common to every span (the request id, the
 * tenant) are set once on the recorder and merged into each span when read.
 *
 * What it promises:
 * - a span started without a `parent` is a child of the recorder's root span
 *   (the first span started), so stage code needs no handle to nest;
 * - `time()` ends its span however the callback ends, marking a throw as an
 *   error by the error's code or name only (never its message, which may
 *   quote user text or credentials);
 * - `end()` is idempotent; `endOpen()` closes whatever is still open (a
 *   cancelled stream) so nothing is lost;
 * - at most `maxSpans` spans are kept (default 256); later ones are counted
 *   in `droppedSpans` and otherwise ignored;
 * - with a `platform` tracer (Workers' `tracing` from "cloudflare:workers"),
 *   `time()` also runs its callback inside a platform span of the same name
 *   and attributes, so production traces show the same stages (a tracer
 *   that throws is bypassed).
 *
 * Never put keys, query text or document text in attributes: ids, counts,
 * modes, sizes and status codes only. Pure: no I/O, nothing from the runtime.
 */
import { cryptoRandomBytes, newSpanId, newTraceId, type RandomBytes } from "./trace-ids.js";

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;
/** OpenTelemetry span kinds: `server` for an HTTP request, `consumer` for a queue batch, `internal` for a stage. */
export type SpanKind = "internal" | "server" | "client" | "producer" | "consumer";
export type SpanStatus = "unset" | "ok" | "error";

/** A finished span, as read from the recorder. */
export interface RecordedSpan {
  traceId: string;
  spanId: string;
  /** The parent span: another span of this recorder, the caller's span (from `traceparent`), or none. */
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKind;
  /** Milliseconds since the epoch, from the recorder's clock. */
  startMs: number;
  endMs: number;
  /** The recorder's common attributes, then the span's own. */
  attributes: Attributes;
  status: SpanStatus;
  /** A short label for an error status (an error code or name). */
  statusMessage?: string;
}

/** The part of a platform span the recorder uses (Workers' `Span`). */
export interface PlatformSpan {
  setAttribute(key: string, value?: AttributeValue): void;
}

/** A platform tracer whose spans nest by async context (Workers' `tracing`). */
export interface PlatformTracer {
  enterSpan<T>(name: string, callback: (span: PlatformSpan) => T): T;
}

export interface SpanRecorderOptions {
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  random?: RandomBytes;
  /** Continue this trace (from an incoming `traceparent`); default: a new trace id. */
  traceId?: string;
  /** The caller's span, parent of this recorder's root spans. */
  parentSpanId?: string;
  /** Attributes every span carries (e.g. `request_id`, `tenant`). */
  attributes?: Attributes;
  /** Mirror `time()` spans into this tracer too. */
  platform?: PlatformTracer;
  /** Spans kept at most (default 256). */
  maxSpans?: number;
}

export interface StartSpanOptions {
  /** The parent; default (or an unknown handle) the root span; `null` starts another root. */
  parent?: SpanHandle | null;
  kind?: SpanKind;
  attributes?: Attributes;
}

/** An open span. */
export interface SpanHandle {
  readonly spanId: string;
  readonly name: string;
  readonly ended: boolean;
  setAttribute(key: string, value: AttributeValue): void;
  setAttributes(attributes: Attributes): void;
  /** Renames the span (e.g. an HTTP span once its route is known). */
  updateName(name: string): void;
  /** Marks the span as failed; `label` is a code or error name, never a message. */
  fail(label?: string): void;
  /** Ends the span now (once; later calls do nothing). */
  end(): void;
}

interface SpanState {
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKind;
  startMs: number;
  endMs: number | undefined;
  attributes: Attributes;
  status: SpanStatus;
  statusMessage: string | undefined;
  /** No parent within this recorder. */
  isRoot: boolean;
  platform: PlatformSpan | undefined;
}

const maxLabelLength = 64;

export class SpanRecorder {
  readonly traceId: string;
  /** Spans not kept because `maxSpans` was reached. */
  droppedSpans = 0;
  private readonly clock: () => number;
  private readonly random: RandomBytes;
  private readonly remoteParent: string | undefined;
  private readonly common: Attributes;
  private readonly platform: PlatformTracer | undefined;
  private readonly maxSpans: number;
  private readonly states: SpanState[] = [];
  private root: SpanState | undefined;

  constructor(options: SpanRecorderOptions = {}) {
    this.clock = options.now ?? Date.now;
    this.random = options.random ?? cryptoRandomBytes;
    this.traceId = options.traceId ?? newTraceId(this.random);
    this.remoteParent = options.parentSpanId;
    this.common = { ...options.attributes };
    this.platform = options.platform;
    this.maxSpans = options.maxSpans ?? 256;
  }

  /** The current time on the recorder's clock. */
  now(): number {
    return this.clock();
  }

  /** Sets an attribute every span carries (e.g. the tenant, once known). */
  setAttribute(key: string, value: AttributeValue): void {
    this.common[key] = value;
  }

  /** The attributes every span carries. */
  attributes(): Attributes {
    return { ...this.common };
  }

  /** The root span (the first span started), if any. */
  get rootSpanId(): string | undefined {
    return this.root?.spanId;
  }

  /** Starts a span now. */
  start(name: string, options: StartSpanOptions = {}): SpanHandle {
    return this.handle(this.open(name, options, this.clock(), undefined));
  }

  /**
   * Runs `fn` inside a span named `name` (and a platform span, when the
   * recorder has a platform tracer), ending it however `fn` ends.
   */
  time<T>(name: string, fn: (span: SpanHandle) => Promise<T> | T, options: StartSpanOptions = {}): Promise<T> {
    const run = async (platformSpan: PlatformSpan | undefined): Promise<T> => {
      const span = this.handle(this.open(name, options, this.clock(), platformSpan));
      try {
        return await fn(span);
      } catch (error) {
        span.fail(errorLabel(error));
        throw error;
      } finally {
        span.end();
      }
    };
    if (!this.platform) return run(undefined);
    // A platform tracer that fails before running the callback must not fail the work.
    let entered = false;
    try {
      return this.platform.enterSpan(name, (platformSpan) => {
        entered = true;
        return run(platformSpan);
      });
    } catch (error) {
      if (entered) throw error;
      return run(undefined);
    }
  }

  /** Adds a span measured elsewhere (e.g. stage timings a service reports). */
  record(name: string, startMs: number, endMs: number, options: StartSpanOptions & { status?: SpanStatus } = {}): void {
    const state = this.open(name, options, startMs, undefined);
    if (!state) return;
    state.endMs = Math.max(startMs, endMs);
    if (options.status) state.status = options.status;
  }

  /** Ends every span still open (marked `unfinished`), e.g. when a stream is cancelled. */
  endOpen(): void {
    const now = this.clock();
    for (const state of this.states) {
      if (state.endMs === undefined) {
        state.attributes.unfinished = true;
        state.endMs = Math.max(state.startMs, now);
      }
    }
  }

  /** The finished spans, in start order. */
  finished(): RecordedSpan[] {
    return this.states.filter((state) => state.endMs !== undefined).map((state) => this.view(state));
  }

  /** The finished spans other than root spans: the stages. */
  stages(): RecordedSpan[] {
    return this.states.filter((state) => state.endMs !== undefined && !state.isRoot).map((state) => this.view(state));
  }

  private open(name: string, options: StartSpanOptions, startMs: number, platformSpan: PlatformSpan | undefined): SpanState | undefined {
    if (this.states.length >= this.maxSpans) {
      this.droppedSpans += 1;
      return undefined;
    }
    const parent = options.parent === null ? undefined : (options.parent && this.states.find((state) => state.spanId === options.parent!.spanId)) || this.root;
    const state: SpanState = {
      spanId: newSpanId(this.random),
      parentSpanId: parent ? parent.spanId : this.remoteParent,
      name,
      kind: options.kind ?? (parent ? "internal" : "server"),
      startMs,
      endMs: undefined,
      attributes: { ...options.attributes },
      status: "unset",
      statusMessage: undefined,
      isRoot: parent === undefined,
      platform: platformSpan,
    };
    this.states.push(state);
    this.root ??= state;
    if (platformSpan) for (const [key, value] of Object.entries({ ...this.common, ...state.attributes })) platformSpan.setAttribute(key, value);
    return state;
  }

  private handle(state: SpanState | undefined): SpanHandle {
    if (!state) return droppedHandle;
    const clock = this.clock;
    const setAttribute = (key: string, value: AttributeValue) => {
      state.attributes[key] = value;
      state.platform?.setAttribute(key, value);
    };
    return {
      spanId: state.spanId,
      get name() {
        return state.name;
      },
      get ended() {
        return state.endMs !== undefined;
      },
      setAttribute,
      setAttributes(attributes) {
        for (const [key, value] of Object.entries(attributes)) setAttribute(key, value);
      },
      updateName(name) {
        state.name = name;
      },
      fail(label) {
        state.status = "error";
        state.statusMessage = label === undefined ? undefined : label.slice(0, maxLabelLength);
        state.platform?.setAttribute("error", true);
      },
      end() {
        if (state.endMs === undefined) state.endMs = Math.max(state.startMs, clock());
      },
    };
  }

  private view(state: SpanState): RecordedSpan {
    return {
      traceId: this.traceId,
      spanId: state.spanId,
      parentSpanId: state.parentSpanId,
      name: state.name,
      kind: state.kind,
      startMs: state.startMs,
      endMs: state.endMs!,
      attributes: { ...this.common, ...state.attributes },
      status: state.status,
      ...(state.statusMessage !== undefined ? { statusMessage: state.statusMessage } : {}),
    };
  }
}

const droppedHandle: SpanHandle = {
  spanId: "0000000000000000",
  name: "",
  ended: true,
  setAttribute() {},
  setAttributes() {},
  updateName() {},
  fail() {},
  end() {},
};

/** An error's code (e.g. an AppError's `UPSTREAM_UNAVAILABLE`) or its name; never its message. */
export function errorLabel(error: unknown): string {
  if (error !== null && typeof error === "object") {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Za-z0-9_.:-]{1,64}$/.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === "string" && /^[A-Za-z0-9_.:-]{1,64}$/.test(name)) return name;
  }
  return "error";
}
