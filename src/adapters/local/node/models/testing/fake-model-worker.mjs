// Test stand-in for the model worker (model-thread-worker.ts), speaking the
// same protocol (model-task.ts) without loading any model. The first text of
// an "embed" task says what to do:
// - "crash": the thread exits (code 3) without answering;
// - "block": the thread blocks synchronously, like a long forward pass, until
//   the test releases it: it adds 1 to gate[0] (and notifies) on entry, then
//   waits while gate[1] is 0 (gate: Int32Array over 12 bytes);
// - "fail": answers an Error; "unknown": answers an UnknownModelError;
// - anything else: one vector [text length, threadId] per text.
// A close request ends the thread, as the real worker does once its passes are
// done, and sets gate[2] to 1.
import { parentPort, threadId, workerData } from "node:worker_threads";

const gate = workerData?.gate ? new Int32Array(workerData.gate) : undefined;

parentPort.on("message", (message) => {
  if (message.close) {
    if (gate) Atomics.store(gate, 2, 1); // tells the test the thread ended by itself, not terminated
    parentPort.close(); // nothing runs in the background here: end at once
    return;
  }
  const { id, task } = message;
  const first = task.texts?.[0] ?? "";
  if (first === "crash") process.exit(3);
  if (first === "block" && gate) {
    Atomics.add(gate, 0, 1);
    Atomics.notify(gate, 0);
    Atomics.wait(gate, 1, 0);
  }
  if (first === "fail") {
    parentPort.postMessage({ id, ok: false, error: { name: "Error", message: "the model failed on purpose" } });
    return;
  }
  if (first === "unknown") {
    parentPort.postMessage({ id, ok: false, error: { name: "UnknownModelError", message: "no such model here" } });
    return;
  }
  parentPort.postMessage({ id, ok: true, result: task.texts.map((text) => [text.length, threadId]) });
});
