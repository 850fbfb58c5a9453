import { describe, expect, it } from "vitest";
import { descendantsOf, formatMiB, parseVmRss, splitDescendants, treeMemory } from "./load-process-memory.js";

describe("process memory", () => {
  it("reads VmRSS in bytes from /proc/<pid>/status", () => {
    const status = "Name:\tworkerd\nState:\tS (sleeping)\nVmPeak:\t 9000 kB\nVmRSS:\t  128000 kB\nRssAnon:\t 100000 kB\n";
    expect(parseVmRss(status)).toBe(128000 * 1024);
    // Kernel threads have no VmRSS line.
    expect(parseVmRss("Name:\tkthreadd\nState:\tS (sleeping)\n")).toBeUndefined();
  });

  it("finds every descendant, not the parent's other children", () => {
    const processes = [
      { pid: 1, ppid: 0 },
      { pid: 10, ppid: 1 }, // the server
      { pid: 11, ppid: 10 }, // workerd
      { pid: 12, ppid: 10 }, // esbuild
      { pid: 13, ppid: 11 }, // a grandchild
      { pid: 20, ppid: 1 }, // unrelated
    ];
    expect(descendantsOf(10, processes)).toEqual([11, 12, 13]);
    expect(descendantsOf(20, processes)).toEqual([]);
    // Bad input with a cycle does not loop.
    expect(descendantsOf(1, [{ pid: 2, ppid: 1 }, { pid: 1, ppid: 2 }])).toEqual([2]);
  });

  it("splits descendants by name", () => {
    const memory = {
      root: { pid: 10, name: "node", rssBytes: 500 },
      descendants: [
        { pid: 11, name: "workerd", rssBytes: 100 },
        { pid: 12, name: "esbuild", rssBytes: 20 },
        { pid: 13, name: "workerd", rssBytes: 5 },
      ],
    };
    expect(splitDescendants(memory, "workerd")).toEqual({ matching: 105, others: 20 });
    expect(splitDescendants(undefined, "workerd")).toEqual({ matching: 0, others: 0 });
    expect(formatMiB(3 * 2 ** 20)).toBe("3 MiB");
  });

  it.runIf(process.platform === "linux")("reads this process from /proc", () => {
    const memory = treeMemory(process.pid);
    expect(memory?.root.pid).toBe(process.pid);
    expect(memory!.root.rssBytes).toBeGreaterThan(0);
    expect(treeMemory(2 ** 30)).toBeUndefined();
  });
});
