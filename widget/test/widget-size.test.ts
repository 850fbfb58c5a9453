import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildWidget, sharedCodeInModes, widgetGzipBudgetBytes, widgetModeGzipBudgetBytes, widgetModes, type WidgetBuildSet } from "../../scripts/lib/widget-build.js";

let build: WidgetBuildSet;

describe("widget.js size", () => {
  it(`stays within ${widgetGzipBudgetBytes} bytes gzipped (the default launcher: what every page loads)`, async () => {
    build = await buildWidget(resolve(import.meta.dirname, "../.."));
    console.log(`widget.js: ${build.bytes} B minified, ${build.gzipBytes} B gzip -9, ${build.brotliBytes} B brotli`);
    expect(build.gzipBytes).toBeLessThanOrEqual(widgetGzipBudgetBytes);
  });

  it.each(Object.keys(widgetModes))(`the lazy chunk widget-%s.js stays within ${widgetModeGzipBudgetBytes} bytes gzipped and is named with its version`, (mode) => {
    const chunk = build.modes[mode as keyof typeof widgetModes];
    console.log(`widget-${mode}.js (lazy): ${chunk.bytes} B minified, ${chunk.gzipBytes} B gzip -9, ${chunk.brotliBytes} B brotli`);
    expect(chunk.gzipBytes).toBeGreaterThan(0);
    expect(chunk.gzipBytes).toBeLessThanOrEqual(widgetModeGzipBudgetBytes);
    expect(build.modesVersion).toMatch(/^[0-9a-f]{12}$/);
  });

  it("fails the build when a mode chunk bundles a copy of shared code (it must come through the kit)", () => {
    const output = (inputs: string[]) => ({ bytes: 1, imports: [], exports: ["mount"], inputs: Object.fromEntries(inputs.map((input) => [input, { bytesInOutput: 1 }])) });
    expect(sharedCodeInModes({ inputs: {}, outputs: { "dist/assets/widget-search.js": output(["widget/src/modes/search-mode.ts", "widget/src/modes/search.css"]) } })).toEqual([]);
    expect(
      sharedCodeInModes({ inputs: {}, outputs: { "dist/assets/widget-page.js": output(["widget/src/modes/page-mode.ts", "widget/src/chat-element.ts", "node_modules/dompurify/dist/purify.es.mjs"]) } }),
    ).toEqual(["widget/src/chat-element.ts", "node_modules/dompurify/dist/purify.es.mjs"]);
  });
});
