/**
 * The model thread client: off the main thread, surviving model errors,
 * restarted after a death, ended by close(). Mechanics run on a stand-in
 * worker (testing/fake-model-worker.mjs) that fails, crashes or blocks on
 * request; one test runs the real model worker and compares its vectors with
 * the same model run in this thread.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { featureHashingId } from "./feature-hashing.js";
import { createModelRegistry, UnknownModelError } from "./model-registry.js";
import { createModelThread, ModelThreadError, type ModelThread } from "./model-thread.js";

const run = promisify(execFile);
const fakeWorker = new URL("./testing/fake-model-worker.mjs", import.meta.url);

/** Resolves when `cell` of `array` is no longer `value` (another thread changed it). */
async function whenChanged(array: Int32Array, cell: number, value: number): Promise<void> {
  const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
  const result = waitAsync(array, cell, value);
  if (result.async) await result.value;
}

const embed = (thread: ModelThread, ...texts: string[]) => thread.run({ kind: "embed", model: "fake", texts });

let threads: ModelThread[] = [];
afterEach(async () => {
  await Promise.all(threads.map((thread) => thread.close()));
  threads = [];
});

function fake(gate?: SharedArrayBuffer, closeGraceMs?: number): ModelThread {
  const thread = createModelThread({ worker: { url: fakeWorker, data: { gate } }, ...(closeGraceMs !== undefined ? { closeGraceMs } : {}) });
  threads.push(thread);
  return thread;
}

describe("model thread", () => {
  it("starts on the first task, not before", async () => {
    const thread = fake();
    expect(thread.running).toBe(false);
    expect(await embed(thread, "abc")).toEqual([[3, expect.any(Number)]]);
    expect(thread.running).toBe(true);
  });

  it("runs the model on another thread: this one keeps serving while a pass blocks there", async () => {
    const gate = new SharedArrayBuffer(8);
    const cells = new Int32Array(gate);
    const thread = fake(gate);
    let settled = false;
    const blocked = embed(thread, "block").finally(() => (settled = true));
    await whenChanged(cells, 0, 0); // the thread is inside its pass, blocked synchronously
    // This thread's event loop still turns (a blocked main thread would never get here).
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    Atomics.store(cells, 1, 1);
    Atomics.notify(cells, 1);
    const [[length, threadId]] = (await blocked) as number[][] as [[number, number]];
    expect(length).toBe(5);
    expect(threadId).not.toBe(0); // 0 is the main thread
  });

  it("rejects a task the model fails and keeps serving on the same thread", async () => {
    const thread = fake();
    const [[, before]] = (await embed(thread, "ok")) as [[number, number]];
    await expect(embed(thread, "fail")).rejects.toThrow("the model failed on purpose");
    await expect(embed(thread, "unknown")).rejects.toBeInstanceOf(UnknownModelError);
    const [[, after]] = (await embed(thread, "ok")) as [[number, number]];
    expect(after).toBe(before);
  });

  it("rejects the waiting tasks when the thread dies, and the next task starts a new thread", async () => {
    const thread = fake();
    const [[, first]] = (await embed(thread, "ok")) as [[number, number]];
    const crashed = embed(thread, "crash");
    const queuedBehind = embed(thread, "queued");
    await expect(crashed).rejects.toBeInstanceOf(ModelThreadError);
    await expect(queuedBehind).rejects.toThrow(/exit code 3/);
    expect(thread.running).toBe(false);
    const [[length, second]] = (await embed(thread, "again")) as [[number, number]];
    expect(length).toBe(5);
    expect(second).not.toBe(first);
    expect(thread.running).toBe(true);
  });

  it("close() lets the pass in progress finish and the thread end by itself; waiting and later tasks are rejected", async () => {
    const gate = new SharedArrayBuffer(12);
    const cells = new Int32Array(gate);
    const thread = fake(gate);
    const waiting = embed(thread, "block");
    await whenChanged(cells, 0, 0); // the thread is inside the pass
    const closing = thread.close();
    await expect(waiting).rejects.toThrow("the model thread was closed"); // at once, not when the pass ends
    await expect(embed(thread, "later")).rejects.toBeInstanceOf(ModelThreadError);
    expect(Atomics.load(cells, 2)).toBe(0);
    Atomics.store(cells, 1, 1); // the pass ends
    Atomics.notify(cells, 1);
    await closing;
    expect(Atomics.load(cells, 2)).toBe(1); // it read the close request: not terminated mid-pass
    expect(thread.running).toBe(false);
  });

  it("close() terminates a thread that does not end within the grace period", async () => {
    const gate = new SharedArrayBuffer(12);
    const cells = new Int32Array(gate);
    const thread = fake(gate, 50);
    const waiting = expect(embed(thread, "block")).rejects.toThrow("the model thread was closed");
    await whenChanged(cells, 0, 0);
    await thread.close(); // the pass never ends: terminated
    expect(Atomics.load(cells, 2)).toBe(0);
    expect(thread.running).toBe(false);
    await waiting;
  });

  it("closing during a real onnxruntime-node pass leaves the process running", async () => {
    // Terminating the thread mid-pass aborts the whole process (SIGABRT from the
    // native addon), so the scenario runs in a child process and the test reads
    // its exit.
    const script = fileURLToPath(new URL("./testing/close-during-pass.ts", import.meta.url));
    const { stdout } = await run(process.execPath, ["--import", "tsx", script], { timeout: 100_000 });
    expect(stdout.trim().split("\n").at(-1)).toBe("closed during a pass; process alive");
  });

  it("runs the real model worker with the same vectors as the model in this thread", async () => {
    const thread = createModelThread({ registry: {} });
    threads.push(thread);
    const texts = ["How long do I have to ask for a refund?", "refunds go back to the original card", "a\ud800b"];
    const inThread = await thread.run({ kind: "embed", model: featureHashingId, texts });
    expect(inThread).toEqual(await createModelRegistry({}).resolve(featureHashingId).embed(texts));
    await expect(thread.run({ kind: "embed", model: "@local/no-such-model", texts })).rejects.toBeInstanceOf(UnknownModelError);
    expect(await thread.run({ kind: "embed", model: featureHashingId, texts: ["still serving"] })).toHaveLength(1);
  });
});
