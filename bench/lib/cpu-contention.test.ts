import { describe, expect, it } from "vitest";
import { parseMachineBusy, parseProcessStat, startContentionMeter } from "./cpu-contention.js";

describe("cpu contention", () => {
  it("sums busy jiffies from /proc/stat, leaving out idle and iowait", () => {
    const stat = "cpu  100 5 50 9000 30 2 3 1 0 0\ncpu0 50 2 25 4500 15 1 1 0 0 0\nintr 1 2 3\n";
    expect(parseMachineBusy(stat)).toBe(100 + 5 + 50 + 2 + 3 + 1);
    expect(() => parseMachineBusy("intr 1")).toThrow();
  });

  it("reads pid, ppid and utime + stime, even with spaces and parentheses in the name", () => {
    const fields = (name: string) => `4242 (${name}) S 17 4242 4242 0 -1 4194560 1 0 0 0 250 75 0 0 20 0 1 0 100 0 0`;
    expect(parseProcessStat(fields("node"))).toEqual({ pid: 4242, ppid: 17, cpu: 325 });
    expect(parseProcessStat(fields("a (b) c"))).toEqual({ pid: 4242, ppid: 17, cpu: 325 });
  });

  it("measures this process's own CPU use", () => {
    const meter = startContentionMeter();
    // A fixed amount of work (a few hundred ms of one core), not a timed loop.
    let x = 0;
    for (let i = 0; i < 60_000_000; i++) x += Math.sqrt(x + i);
    expect(x).toBeGreaterThan(0);
    const reading = meter.stop();
    if (process.platform !== "linux") return expect(reading).toBeUndefined();
    expect(reading!.ownCores).toBeGreaterThan(0);
    expect(reading!.otherCores).toBeGreaterThanOrEqual(0);
  });
});
