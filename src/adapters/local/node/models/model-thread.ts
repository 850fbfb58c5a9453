/**
 * Runs local model inference on a worker thread (`node:worker_threads`), so
 * the main thread, which carries the service-binding bridge and the vector
 * stand-in, is never blocked by a forward pass.
 *
 * Promises:
 * - The thread starts on the first task (not before) and runs the tasks it
 *   is given in order.
 * - It never keeps the process alive by itself: it is unref'd whenever no
 *   task is waiting for it.
 * - A task that fails in the thread (a model error) rejects with that error
 *   (an `UnknownModelError` stays one); the thread goes on serving.
 * - If the thread dies (crash, out of memory, terminated), the tasks waiting
 *   on it reject with a `ModelThreadError` and the next task starts a new
 *   thread.
 * - `close()` resolves once the thread has exited; tasks still waiting, and
 *   any task sent later, reject with `ModelThreadError` at once. The thread
 *   is asked to end (it finishes the tasks already sent, releases its
 *   models and exits) rather than terminated: terminating a thread while
 *   onnxruntime-node runs a pass aborts the whole process. Only a thread
 *   that has not ended `closeGraceMs` later (stuck in a loop) is terminated.
 */
import { Worker } from "node:worker_threads";
import type { ModelRegistryOptions } from "./model-registry.js";
import { deserializeError, type CloseRequest, type ModelTask, type ModelTaskResult, type TaskReply, type TaskRequest } from "./model-task.js";

/** The thread died or was closed before it answered. */
export class ModelThreadError extends Error {
  override name = "ModelThreadError";
}

export interface ModelThreadOptions {
  /** Options of the model registry the thread builds (plain data: it is copied to the thread). */
  registry?: ModelRegistryOptions;
  /**
   * Module the thread runs and the `workerData` it gets. Default: the real
   * model worker (`model-thread-bootstrap.mjs`) with `{registry}`. Tests put
   * a stand-in here to crash or block the thread on purpose.
   */
  worker?: { url: URL; data?: unknown };
  /** How long `close()` waits for the thread to end by itself before terminating it. Default 30 s. */
  closeGraceMs?: number;
}

export interface ModelThread {
  run<T extends ModelTask>(task: T): Promise<ModelTaskResult<T>>;
  /** Whether a thread is currently started (false before the first task, after a death and after close()). */
  readonly running: boolean;
  close(): Promise<void>;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

interface Handle {
  worker: Worker;
  pending: Map<number, Pending>;
  exited: Promise<void>;
}

const bootstrapUrl = new URL("./model-thread-bootstrap.mjs", import.meta.url);

/** Creates the client; no thread is started until the first `run`. */
export function createModelThread(options: ModelThreadOptions = {}): ModelThread {
  const url = options.worker?.url ?? bootstrapUrl;
  const data = options.worker ? options.worker.data : { registry: options.registry ?? {} };
  let current: Handle | undefined;
  const closeGraceMs = options.closeGraceMs ?? 30_000;
  let closed = false;
  let nextId = 1;

  function start(): Handle {
    // No inherited loader flags: the bootstrap registers what the thread needs.
    const worker = new Worker(url, { workerData: data, execArgv: [] });
    worker.unref();
    const pending = new Map<number, Pending>();
    let failure: Error | undefined;
    let markExited!: () => void;
    const handle: Handle = { worker, pending, exited: new Promise<void>((resolve) => (markExited = resolve)) };
    worker.on("message", (reply: TaskReply) => {
      const waiting = pending.get(reply.id);
      if (!waiting) return;
      pending.delete(reply.id);
      if (pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve(reply.result);
      else waiting.reject(deserializeError(reply.error));
    });
    worker.on("error", (error) => {
      failure = error;
    });
    worker.on("exit", (code) => {
      if (current === handle) current = undefined;
      const reason = closed
        ? "the model thread was closed"
        : `the model thread stopped (${failure ? failure.message : `exit code ${code}`}); the next request starts a new one`;
      for (const waiting of pending.values()) waiting.reject(new ModelThreadError(reason));
      pending.clear();
      markExited();
    });
    return handle;
  }

  return {
    run<T extends ModelTask>(task: T): Promise<ModelTaskResult<T>> {
      if (closed) return Promise.reject(new ModelThreadError("the model thread was closed"));
      const handle = (current ??= start());
      const id = nextId++;
      return new Promise<ModelTaskResult<T>>((resolve, reject) => {
        if (handle.pending.size === 0) handle.worker.ref();
        handle.pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
        handle.worker.postMessage({ id, task } satisfies TaskRequest);
      });
    },
    get running() {
      return current !== undefined;
    },
    async close() {
      closed = true;
      const handle = current;
      if (!handle) return;
      for (const waiting of handle.pending.values()) waiting.reject(new ModelThreadError("the model thread was closed"));
      handle.pending.clear();
      handle.worker.ref(); // the exit is awaited
      handle.worker.postMessage({ close: true } satisfies CloseRequest);
      const stuck = setTimeout(() => void handle.worker.terminate(), closeGraceMs);
      await handle.exited;
      clearTimeout(stuck);
    },
  };
}
