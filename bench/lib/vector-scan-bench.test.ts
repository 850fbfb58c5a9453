// The vector scan benchmark's figures on a tiny run: recall against the
// exact top 10, memory computed from the arrays' sizes. No timing asserted.
import { describe, expect, it } from "vitest";
import { benchVectorScan, formatFigures } from "./vector-scan-bench.js";

describe("benchVectorScan", () => {
  it.each(["random", "clustered"] as const)("reports recall 1 and the int8 copy's memory (%s data)", async (data) => {
    const dims = 32;
    const results = await benchVectorScan([300, 700], { dimensions: dims, queries: 4, warmup: 1, repetitions: 3, data });
    expect(Object.keys(results)).toEqual(["300", "700"]);
    for (const figures of Object.values(results)) {
      expect(figures.recall_at_10).toBe(1);
      expect(figures.speedup).toBeGreaterThan(0);
      expect(figures.ours_p50_ms).toBeGreaterThanOrEqual(0);
      expect(figures.repetitions).toBe(3);
      // Before: float32 values plus norms, namespace ids and record sizes (20 bytes) per row.
      expect(figures.memory_bytes_per_100k_before).toBe(100_000 * (dims * 4 + 20));
      // After: plus 32 int8 bytes (dims rounded up to 16), two float64 factors and 8 bytes of scratch per row, and the int16 query.
      const added = figures.memory_bytes_per_100k_after - figures.memory_bytes_per_100k_before;
      expect(added).toBeGreaterThanOrEqual(100_000 * (32 + 16 + 8));
      expect(added).toBeLessThan(100_000 * (32 + 16 + 8) * 1.01);
      expect(formatFigures(figures)).toContain("recall@10 1.0000");
    }
  });

  it("reports no int8 memory and all rows rescored without the int8 copy", async () => {
    const results = await benchVectorScan([500], { dimensions: 16, queries: 3, warmup: 0, repetitions: 2, int8: false });
    expect(results["500"]!.memory_bytes_per_100k_after).toBe(results["500"]!.memory_bytes_per_100k_before);
    expect(results["500"]!.rescored_mean).toBe(500);
    expect(results["500"]!.recall_at_10).toBe(1);
  });
});
