import { describe, expect, it } from "vitest";
import { replaceSection } from "./results-file.js";

describe("replaceSection", () => {
  it("starts a missing file with the shared header", () => {
    expect(replaceSection("", "Speed", "figures")).toBe("# Benchmark results\n\n## Speed\n\nfigures\n");
  });

  it("appends a new section and keeps the others", () => {
    const quality = "# Benchmark results\n\n## Quality\n\nnDCG 0.6\n";
    expect(replaceSection(quality, "Speed", "fast")).toBe("# Benchmark results\n\n## Quality\n\nnDCG 0.6\n\n## Speed\n\nfast\n");
  });

  it("replaces only its own section, wherever it is", () => {
    const file = "# Benchmark results\n\n## Speed\n\nold\n### detail\nold detail\n\n## Quality\n\nnDCG 0.6\n";
    expect(replaceSection(file, "Speed", "new")).toBe("# Benchmark results\n\n## Speed\n\nnew\n\n## Quality\n\nnDCG 0.6\n");
    const last = "# Benchmark results\n\n## Quality\n\nq\n\n## Speed\n\nold\n";
    expect(replaceSection(last, "Speed", "new")).toBe("# Benchmark results\n\n## Quality\n\nq\n\n## Speed\n\nnew\n");
  });

  it("ignores ## lines inside code fences", () => {
    const file = "# Benchmark results\n\n## Speed\n\n```\n## not a heading\n```\n\n## Quality\n\nq\n";
    expect(replaceSection(file, "Speed", "new")).toBe("# Benchmark results\n\n## Speed\n\nnew\n\n## Quality\n\nq\n");
  });
});
