/**
 * Test scenario (run in a child process by model-thread.test.ts): closes the
 * model thread while the Universal Sentence Encoder (onnxruntime-node) runs a
 * forward pass. A thread terminated mid-pass aborts the whole process, so
 * reaching the last line is the result.
 */
import { createModelThread, ModelThreadError } from "../model-thread.js";
import { universalSentenceEncoderId } from "../universal-sentence-encoder.js";

const model = universalSentenceEncoderId;
const texts = Array.from({ length: 256 }, (_, i) => `passage ${i}: the protein folds into a stable shape when the temperature stays below ${i} degrees`);
// No termination fallback: a thread that did not end by itself would hang here (and the test's exec timeout fail it).
const thread = createModelThread({ closeGraceMs: 2_000_000_000 });
await thread.run({ kind: "embed", model, texts: ["load the model first"] });
for (let round = 0; round < 3; round++) {
  const small = thread.run({ kind: "embed", model, texts: ["a short question"] });
  const large = thread.run({ kind: "embed", model, texts });
  // The thread answers in order: once the small task is answered, the large one's passes are running.
  await small.catch(() => undefined);
  if (round < 2) {
    await large;
    continue;
  }
  const closing = thread.close();
  const outcome = await large.then(
    () => "answered",
    (error: unknown) => (error instanceof ModelThreadError ? "rejected" : `failed: ${String(error)}`),
  );
  await closing;
  if (outcome !== "rejected") throw new Error(`the task waiting on the closed thread was ${outcome}`);
}
console.log("closed during a pass; process alive");
