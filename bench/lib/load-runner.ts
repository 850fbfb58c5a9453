/**
 * A bounded closed-loop load: `concurrency` clients, each sending one request
 * after another, start new requests only until `durationMs` has passed, then
 * let their last one finish. At `hardTimeoutMs` the shared abort signal
 * fires, and `run` must then give up and return (the load benchmark's
 * requests return a timed-out record). The request function is injected, so
 * the loop is tested without a server or a real clock.
 */

export interface ClosedLoopOptions<T> {
  concurrency: number;
  /** No request starts at or after this many ms from the start. */
  durationMs: number;
  /** The signal handed to `run` aborts at this many ms from the start. */
  hardTimeoutMs: number;
  /** Milliseconds since an arbitrary origin (performance.now in real runs). */
  now(): number;
  /** Sends request number `sequence` (0, 1, 2… across all clients) of client `client`; must settle soon after `signal` aborts. */
  run(sequence: number, client: number, signal: AbortSignal): Promise<T>;
  /** Arms the hard timeout (setTimeout in real runs); returns a function that disarms it. */
  schedule?(callback: () => void, ms: number): () => void;
}

export interface ClosedLoopResult<T> {
  results: T[];
  /** The hard timeout fired before every client had finished. */
  hardTimeoutHit: boolean;
  /** ms from the start until the last client finished. */
  elapsedMs: number;
}

const defaultSchedule = (callback: () => void, ms: number) => {
  const timer = setTimeout(callback, ms);
  return () => clearTimeout(timer);
};

/** Runs the closed loop and returns every result in the order the requests finished. */
export async function runClosedLoop<T>(options: ClosedLoopOptions<T>): Promise<ClosedLoopResult<T>> {
  const started = options.now();
  const abort = new AbortController();
  let finished = false;
  let hardTimeoutHit = false;
  const disarm = (options.schedule ?? defaultSchedule)(() => {
    if (!finished) hardTimeoutHit = true;
    abort.abort(new Error("the load's hard time limit passed"));
  }, options.hardTimeoutMs);
  const results: T[] = [];
  let sequence = 0;
  const client = async (id: number) => {
    while (!abort.signal.aborted && options.now() - started < options.durationMs) {
      results.push(await options.run(sequence++, id, abort.signal));
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, id) => client(id)));
  } finally {
    finished = true;
    disarm();
  }
  return { results, hardTimeoutHit, elapsedMs: options.now() - started };
}
