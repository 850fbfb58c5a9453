/**
 * Entry point of the model thread (started through
 * `model-thread-bootstrap.mjs` by `model-thread.ts`). It holds its own model
 * registry, built from `workerData.registry`, so model weights are loaded and
 * run here and never on the main thread. Requests are answered in the order
 * they arrive; a failing task answers an error and the thread goes on.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createModelRegistry, type ModelRegistryOptions } from "./model-registry.js";
import { runModelTask, serializeError, type TaskReply, type ThreadRequest } from "./model-task.js";

const port = parentPort;
if (!port) throw new Error("model-thread-worker.ts runs as a worker thread (see model-thread.ts)");

const registry = createModelRegistry(((workerData ?? {}) as { registry?: ModelRegistryOptions }).registry ?? {});

const running = new Set<Promise<void>>();

port.on("message", (request: ThreadRequest) => {
  if ("close" in request) {
    // Finish the tasks already sent (never cut a pass short: see CloseRequest),
    // release the models, then close the port so the thread's loop ends.
    void Promise.allSettled([...running])
      .then(() => registry.close())
      .finally(() => port.close());
    return;
  }
  const task = runModelTask(registry, request.task).then(
    (result) => port.postMessage({ id: request.id, ok: true, result } satisfies TaskReply),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, error: serializeError(error) } satisfies TaskReply),
  );
  running.add(task);
  void task.finally(() => running.delete(task));
});
