import { describe, expect, it } from "vitest";
import { runClosedLoop } from "./load-runner.js";

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("runClosedLoop", () => {
  it("keeps exactly `concurrency` requests in flight and starts none once the duration has passed", async () => {
    let clock = 0;
    const pending: { sequence: number; client: number; finish: () => void }[] = [];
    let inFlight = 0;
    let most = 0;
    const loop = runClosedLoop<number>({
      concurrency: 3,
      durationMs: 1000,
      hardTimeoutMs: 5000,
      now: () => clock,
      schedule: () => () => {},
      run: async (sequence, client) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        const done = deferred();
        pending.push({ sequence, client, finish: done.resolve });
        await done.promise;
        inFlight -= 1;
        return sequence;
      },
    });
    await settle();
    expect(pending.map((p) => p.client)).toEqual([0, 1, 2]);

    // Client 1 finishes while time remains: it starts its next request at once.
    clock = 400;
    pending[1]!.finish();
    await settle();
    expect(pending).toHaveLength(4);
    expect(pending[3]).toMatchObject({ sequence: 3, client: 1 });

    // Time is up: finishing requests starts nothing new.
    clock = 1000;
    for (const request of [...pending]) request.finish();
    await settle();
    expect(pending).toHaveLength(4);

    const result = await loop;
    expect(result.results.sort()).toEqual([0, 1, 2, 3]);
    expect(result.hardTimeoutHit).toBe(false);
    expect(result.elapsedMs).toBe(1000);
    expect(most).toBe(3);
  });

  it("aborts the requests' signal at the hard timeout and reports it", async () => {
    let fire: () => void = () => {};
    let disarmed = false;
    const signals: AbortSignal[] = [];
    const loop = runClosedLoop<string>({
      concurrency: 2,
      durationMs: 1000,
      hardTimeoutMs: 2000,
      now: () => 0,
      schedule: (callback, ms) => {
        expect(ms).toBe(2000);
        fire = callback;
        return () => {
          disarmed = true;
        };
      },
      run: (_sequence, _client, signal) => {
        signals.push(signal);
        // A request that only ends when it is aborted.
        return new Promise((resolve) => signal.addEventListener("abort", () => resolve("aborted"), { once: true }));
      },
    });
    await settle();
    expect(signals).toHaveLength(2);
    expect(signals[0]!.aborted).toBe(false);
    fire();
    const result = await loop;
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    // The clock never advanced, yet no new request started after the abort.
    expect(result.results).toEqual(["aborted", "aborted"]);
    expect(result.hardTimeoutHit).toBe(true);
    expect(disarmed).toBe(true);
  });

  it("disarms the hard timeout when the load ends in time", async () => {
    let clock = 0;
    let disarmed = false;
    const result = await runClosedLoop({
      concurrency: 1,
      durationMs: 10,
      hardTimeoutMs: 100,
      now: () => clock,
      schedule: () => () => {
        disarmed = true;
      },
      run: async (sequence) => {
        clock += 4;
        return sequence;
      },
    });
    // Started at 0, 4 and 8 ms; at 12 ms the duration had passed.
    expect(result.results).toEqual([0, 1, 2]);
    expect(result.hardTimeoutHit).toBe(false);
    expect(disarmed).toBe(true);
  });
});
