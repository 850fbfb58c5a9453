import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildWidget, widgetGzipBudgetBytes } from "../../scripts/lib/widget-build.js";

describe("widget.js size", () => {
  it(`stays within ${widgetGzipBudgetBytes} bytes gzipped`, async () => {
    const build = await buildWidget(resolve(import.meta.dirname, "../.."));
    console.log(`widget.js: ${build.bytes} B minified, ${build.gzipBytes} B gzip -9, ${build.brotliBytes} B brotli`);
    expect(build.gzipBytes).toBeLessThanOrEqual(widgetGzipBudgetBytes);
  });
});
