// Test fixture: the real model worker (model-thread-worker.ts: real registry,
// real models, same protocol) that blocks synchronously, like a very long
// forward pass, on the first "embed" task containing workerData.blockOn: it
// adds 1 to gate[0] (and notifies) on entry, then waits while gate[1] is 0.
// Lets a test act while the model thread is busy, without timing.
import { register } from "tsx/esm/api";

register();
const { parentPort, workerData } = await import("node:worker_threads");
const { createModelRegistry } = await import("../model-registry.ts");
const { runModelTask, serializeError } = await import("../model-task.ts");

const registry = createModelRegistry(workerData.registry ?? {});
const gate = new Int32Array(workerData.gate);
let blocked = false;

const running = new Set();

parentPort.on("message", (message) => {
  if (message.close) {
    // As the real worker: finish what runs, release the models, end.
    void Promise.allSettled([...running])
      .then(() => registry.close())
      .finally(() => parentPort.close());
    return;
  }
  const { id, task } = message;
  if (!blocked && task.kind === "embed" && task.texts.some((text) => text.includes(workerData.blockOn))) {
    blocked = true;
    Atomics.add(gate, 0, 1);
    Atomics.notify(gate, 0);
    Atomics.wait(gate, 1, 0);
  }
  const run = runModelTask(registry, task).then(
    (result) => parentPort.postMessage({ id, ok: true, result }),
    (error) => parentPort.postMessage({ id, ok: false, error: serializeError(error) }),
  );
  running.add(run);
  void run.finally(() => running.delete(run));
});
