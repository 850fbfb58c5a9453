/**
 * The inference scheduler over a stand-in pass runner whose passes finish
 * only when the test says so: which pass the model thread gets next, and in
 * which order requests settle, are forced with promises, never with time.
 */
import { describe, expect, it } from "vitest";
import { createInferenceScheduler, type PassInfo } from "./inference-scheduler.js";
import type { ModelTask } from "./model-task.js";

interface Dispatched {
  task: ModelTask;
  finish(): void;
  fail(error: Error): void;
}

/** A pass runner that records each pass and lets the test finish it; vectors are [text length]. */
function heldRunner() {
  const dispatched: Dispatched[] = [];
  let notify: (() => void) | undefined;
  return {
    dispatched,
    /** Resolves once `count` passes have been handed to the runner. */
    async passes(count: number): Promise<void> {
      while (dispatched.length < count) await new Promise<void>((resolve) => (notify = resolve));
    },
    labels: () => dispatched.map(({ task }) => (task.kind === "embed" ? task.texts.join("+") : `rerank:${task.passages.join("+")}`)),
    run<T extends ModelTask>(task: T) {
      return new Promise<never>((resolve, reject) => {
        const result = task.kind === "embed" ? task.texts.map((text) => [text.length]) : task.passages.map((passage) => passage.length);
        dispatched.push({ task, finish: () => resolve(result as never), fail: reject });
        notify?.();
      });
    },
  };
}

/** Records the order in which promises settle. */
function settleOrder() {
  const order: string[] = [];
  return {
    order,
    track<T>(name: string, promise: Promise<T>): Promise<T> {
      promise.then(
        () => order.push(name),
        () => order.push(`${name} (rejected)`),
      );
      return promise;
    },
  };
}

describe("inference scheduler", () => {
  it("splits a request into passes of passSize and returns the vectors in order", async () => {
    const runner = heldRunner();
    const scheduler = createInferenceScheduler({ run: runner.run, passSize: 2 });
    const result = scheduler.embed("m", ["a", "bb", "ccc", "dddd", "eeeee"], "batch");
    for (let pass = 1; pass <= 3; pass++) {
      await runner.passes(pass);
      runner.dispatched[pass - 1]!.finish();
    }
    expect(await result).toEqual([[1], [2], [3], [4], [5]]);
    expect(runner.labels()).toEqual(["a+bb", "ccc+dddd", "eeeee"]);
  });

  it("hands the thread one pass at a time", async () => {
    const runner = heldRunner();
    const scheduler = createInferenceScheduler({ run: runner.run, passSize: 1 });
    void scheduler.embed("m", ["a", "b"], "batch");
    void scheduler.embed("m", ["c"], "interactive");
    await runner.passes(1);
    await Promise.resolve();
    expect(runner.dispatched).toHaveLength(1);
  });

  it("runs a query that arrives during a long batch before the batch's next pass", async () => {
    const runner = heldRunner();
    const { order, track } = settleOrder();
    const scheduler = createInferenceScheduler({ run: runner.run, passSize: 2 });
    const batch = track("batch", scheduler.embed("m", ["d1", "d2", "d3", "d4", "d5", "d6"], "batch"));
    await runner.passes(1); // the batch's first pass is in the thread
    const query = track("query", scheduler.embed("m", ["q"], "interactive"));
    const rerank = track("rerank", scheduler.rerank("r", "q", ["p1", "p2"]));
    runner.dispatched[0]!.finish();
    await runner.passes(2);
    expect(runner.labels()[1]).toBe("q");
    runner.dispatched[1]!.finish();
    expect(await query).toEqual([[1]]);
    await runner.passes(3);
    expect(runner.labels()[2]).toBe("rerank:p1+p2");
    runner.dispatched[2]!.finish();
    expect(await rerank).toEqual([2, 2]);
    for (let pass = 4; pass <= 5; pass++) {
      await runner.passes(pass);
      runner.dispatched[pass - 1]!.finish();
    }
    expect(await batch).toHaveLength(6);
    expect(order).toEqual(["query", "rerank", "batch"]);
    expect(runner.labels()).toEqual(["d1+d2", "q", "rerank:p1+p2", "d3+d4", "d5+d6"]);
  });

  it("lets a waiting batch take one pass after maxInteractiveStreak interactive passes in a row", async () => {
    const runner = heldRunner();
    const scheduler = createInferenceScheduler({ run: runner.run, passSize: 1, maxInteractiveStreak: 2 });
    void scheduler.embed("m", ["d1", "d2"], "batch");
    await runner.passes(1);
    for (const query of ["q1", "q2", "q3"]) void scheduler.embed("m", [query], "interactive");
    for (let pass = 1; pass <= 5; pass++) {
      await runner.passes(pass);
      runner.dispatched[pass - 1]!.finish();
    }
    expect(runner.labels()).toEqual(["d1", "q1", "q2", "d2", "q3"]);
  });

  it("rejects the request whose pass failed, drops its other passes and goes on with the next request", async () => {
    const runner = heldRunner();
    const scheduler = createInferenceScheduler({ run: runner.run, passSize: 1 });
    const failing = scheduler.embed("m", ["x1", "x2", "x3"], "batch");
    const next = scheduler.embed("m", ["y"], "batch");
    await runner.passes(1);
    runner.dispatched[0]!.fail(new Error("model error"));
    await expect(failing).rejects.toThrow("model error");
    await runner.passes(2);
    expect(runner.labels()).toEqual(["x1", "y"]);
    runner.dispatched[1]!.finish();
    expect(await next).toEqual([[1]]);
  });

  it("tells onQueued about each request and betweenPasses about each finished pass, and waits for the latter", async () => {
    const runner = heldRunner();
    const seen: PassInfo[] = [];
    const queued: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const scheduler = createInferenceScheduler({
      run: runner.run,
      passSize: 1,
      onQueued: (info) => queued.push(`${info.priority} ${info.kind} ${info.model} ×${info.passes}`),
      betweenPasses: (info) => {
        seen.push(info);
        return info.pass === 0 && info.priority === "batch" ? held : undefined;
      },
    });
    const batch = scheduler.embed("m", ["d1", "d2"], "batch");
    await runner.passes(1);
    runner.dispatched[0]!.finish();
    const query = scheduler.embed("m", ["q"], "interactive");
    while (seen.length === 0) await Promise.resolve();
    expect(runner.dispatched).toHaveLength(1); // held between passes
    release();
    await runner.passes(2);
    expect(runner.labels()).toEqual(["d1", "q"]);
    runner.dispatched[1]!.finish();
    await query;
    await runner.passes(3);
    runner.dispatched[2]!.finish();
    await batch;
    expect(queued).toEqual(["batch embed m ×2", "interactive embed m ×1"]);
    expect(seen.map(({ priority, pass, passes, ok, kind, model }) => ({ priority, pass, passes, ok, kind, model }))).toEqual([
      { priority: "batch", pass: 0, passes: 2, ok: true, kind: "embed", model: "m" },
      { priority: "interactive", pass: 0, passes: 1, ok: true, kind: "embed", model: "m" },
      { priority: "batch", pass: 1, passes: 2, ok: true, kind: "embed", model: "m" },
    ]);
  });

  it("answers an empty request without a pass", async () => {
    const runner = heldRunner();
    const scheduler = createInferenceScheduler({ run: runner.run });
    expect(await scheduler.embed("m", [], "batch")).toEqual([]);
    expect(await scheduler.rerank("r", "q", [])).toEqual([]);
    expect(runner.dispatched).toHaveLength(0);
  });
});
