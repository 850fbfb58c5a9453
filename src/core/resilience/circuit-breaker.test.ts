import { describe, expect, it } from "vitest";
import { CircuitBreaker, busyProbeRetryAfterMs, type BreakerStateChange, type CircuitBreakerOptions } from "./circuit-breaker.js";
import { ManualClock } from "./manual-clock.js";

function setup(options: Partial<CircuitBreakerOptions> = {}) {
  const clock = new ManualClock(10_000);
  const changes: BreakerStateChange[] = [];
  const breaker = new CircuitBreaker({
    name: "test:model",
    failureThreshold: 3,
    windowMs: 1_000,
    cooldownMs: 5_000,
    clock,
    onStateChange: (change) => changes.push(change),
    ...options,
  });
  /** One call that fails. */
  const fail = (retryAfterMs?: number) => breaker.tryAcquire()!.failure(retryAfterMs === undefined ? {} : { retryAfterMs });
  return { clock, breaker, changes, fail };
}

describe("CircuitBreaker", () => {
  it("opens after N failures within the window", () => {
    const { breaker, changes, fail, clock } = setup();
    fail();
    clock.advance(300);
    fail();
    expect(breaker.state).toBe("closed");
    clock.advance(300);
    fail();
    expect(breaker.state).toBe("open");
    expect(breaker.tryAcquire()).toBeUndefined();
    expect(breaker.retryAfterMs()).toBe(5_000);
    expect(changes).toEqual([{ breaker: "test:model", from: "closed", to: "open", retryAfterMs: 5_000 }]);
  });

  it("stays closed when the failures are spread beyond the window", () => {
    const { breaker, fail, clock } = setup();
    for (let i = 0; i < 10; i += 1) {
      fail();
      clock.advance(600); // at most two failures are ever within 1 s
    }
    expect(breaker.state).toBe("closed");
    expect(breaker.recentFailures()).toBeLessThanOrEqual(2);
  });

  it("forgets failures after a success by default, and counts them all when told not to", () => {
    const forgetting = setup();
    forgetting.fail();
    forgetting.fail();
    forgetting.breaker.tryAcquire()!.success();
    forgetting.fail();
    expect(forgetting.breaker.state).toBe("closed");

    const counting = setup({ successClearsFailures: false });
    counting.fail();
    counting.fail();
    counting.breaker.tryAcquire()!.success();
    counting.fail();
    expect(counting.breaker.state).toBe("open");
  });

  it("frees the slot of a probe that never settles (its request was cancelled), so it does not stay half-open for good", () => {
    const { breaker, fail, clock } = setup({ probeTimeoutMs: 10_000 });
    fail();
    fail();
    fail();
    clock.advance(5_000);
    const abandoned = breaker.tryAcquire();
    expect(abandoned?.probe).toBe(true); // …and never settled
    clock.advance(9_999);
    expect(breaker.tryAcquire()).toBeUndefined();
    clock.advance(1);
    const probe = breaker.tryAcquire();
    expect(probe?.probe).toBe(true);
    probe!.success();
    expect(breaker.state).toBe("closed");
    abandoned!.failure(); // a late verdict of the abandoned probe counts for nothing
    expect(breaker.state).toBe("closed");
  });

  it("turns half-open after the cooldown and admits one probe at a time", () => {
    const { breaker, fail, clock, changes } = setup();
    fail();
    fail();
    fail();
    clock.advance(4_999);
    expect(breaker.state).toBe("open");
    expect(breaker.retryAfterMs()).toBe(1);
    clock.advance(1);
    expect(breaker.state).toBe("half-open");
    expect(breaker.retryAfterMs()).toBe(0);
    const probe = breaker.tryAcquire();
    expect(probe?.probe).toBe(true);
    expect(breaker.tryAcquire()).toBeUndefined();
    expect(breaker.retryAfterMs()).toBe(busyProbeRetryAfterMs);
    expect(changes.map((change) => change.to)).toEqual(["open", "half-open"]);
  });

  it("closes when the probe succeeds", () => {
    const { breaker, fail, clock } = setup();
    fail();
    fail();
    fail();
    clock.advance(5_000);
    breaker.tryAcquire()!.success();
    expect(breaker.state).toBe("closed");
    expect(breaker.recentFailures()).toBe(0);
    expect(breaker.tryAcquire()).toBeDefined();
    // It takes N fresh failures to open again.
    fail();
    fail();
    expect(breaker.state).toBe("closed");
  });

  it("re-opens with a fresh cooldown when the probe fails", () => {
    const { breaker, fail, clock, changes } = setup();
    fail();
    fail();
    fail();
    clock.advance(5_000);
    const probe = breaker.tryAcquire()!;
    clock.advance(700); // the probe takes a while
    probe.failure();
    expect(breaker.state).toBe("open");
    expect(breaker.retryAfterMs()).toBe(5_000);
    clock.advance(4_999);
    expect(breaker.tryAcquire()).toBeUndefined();
    clock.advance(1);
    expect(breaker.state).toBe("half-open");
    expect(changes.map((change) => change.to)).toEqual(["open", "half-open", "open", "half-open"]);
  });

  it("frees the probe slot on release without changing state", () => {
    const { breaker, fail, clock } = setup();
    fail();
    fail();
    fail();
    clock.advance(5_000);
    breaker.tryAcquire()!.release();
    expect(breaker.state).toBe("half-open");
    expect(breaker.tryAcquire()?.probe).toBe(true);
  });

  it("admits as many probes as configured", () => {
    const { breaker, fail, clock } = setup({ halfOpenProbes: 2 });
    fail();
    fail();
    fail();
    clock.advance(5_000);
    expect(breaker.tryAcquire()).toBeDefined();
    expect(breaker.tryAcquire()).toBeDefined();
    expect(breaker.tryAcquire()).toBeUndefined();
  });

  it("stays open at least as long as the last Retry-After, up to the maximum", () => {
    const stretched = setup();
    stretched.fail();
    stretched.fail(60_000);
    stretched.fail();
    expect(stretched.breaker.retryAfterMs()).toBe(60_000);

    const capped = setup({ maxCooldownMs: 20_000 });
    capped.fail();
    capped.fail();
    capped.fail(600_000);
    expect(capped.breaker.retryAfterMs()).toBe(20_000);

    const short = setup();
    short.fail();
    short.fail();
    short.fail(1_000);
    expect(short.breaker.retryAfterMs()).toBe(5_000); // never shorter than the cooldown
  });

  it("ignores the outcome of calls that started before a state change", () => {
    const { breaker, fail, clock } = setup();
    const slow = breaker.tryAcquire()!;
    fail();
    fail();
    fail();
    slow.success(); // a call from before the breaker opened does not close it
    expect(breaker.state).toBe("open");
    clock.advance(5_000);
    const probe = breaker.tryAcquire()!;
    slow.failure(); // settled already: ignored
    expect(breaker.state).toBe("half-open");
    probe.success();
    probe.failure(); // a permit settles once
    expect(breaker.state).toBe("closed");
  });

  it("survives a listener that throws", () => {
    const { breaker } = setup({
      onStateChange: () => {
        throw new Error("listener broke");
      },
    });
    for (let i = 0; i < 3; i += 1) breaker.tryAcquire()!.failure();
    expect(breaker.state).toBe("open");
  });

  it("refuses nonsensical options", () => {
    expect(() => new CircuitBreaker({ name: "x", failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ name: "x", halfOpenProbes: 1.5 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ name: "x", windowMs: -1 })).toThrow(RangeError);
  });
});
