import { describe, expect, it } from "vitest";
import { sleep, systemClock } from "./clock.js";
import { ManualClock } from "./manual-clock.js";

describe("ManualClock", () => {
  it("fires timers in due order when advanced, and not before", () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimer(() => fired.push("b"), 20);
    clock.setTimer(() => fired.push("a"), 10);
    const cancel = clock.setTimer(() => fired.push("never"), 15);
    cancel();
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(11);
    expect(fired).toEqual(["a", "b"]);
    expect(clock.now()).toBe(1020);
  });

  it("lets a test wait for a timer and fire it", async () => {
    const clock = new ManualClock();
    let done = false;
    const sleeping = sleep(clock, 250).then(() => (done = true));
    expect(await clock.fireNext()).toBe(250);
    await sleeping;
    expect(done).toBe(true);
  });
});

describe("sleep", () => {
  it("rejects with the signal's reason when aborted, and cancels its timer", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = sleep(clock, 1000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
    expect(clock.pendingDelays()).toEqual([]);
  });

  it("resolves at once for 0 ms, even on the system clock", async () => {
    await expect(sleep(systemClock, 0)).resolves.toBeUndefined();
  });
});
