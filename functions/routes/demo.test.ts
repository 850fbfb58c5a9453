import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { DemoService } from "../../src/services/demo-service.js";
import type { Services } from "../../src/services/services.js";
import { sampleDocs } from "../demo/sample-docs.js";

describe("GET /demo", () => {
  it("serves the demo page in local mode, embedding the widget with the local key", async () => {
    const response = await SELF.fetch("http://edge-rag.test/demo");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = response.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([0-9a-f]+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    const html = await response.text();
    expect(html).toMatch(/<script src="\/widget\.js" data-key="local-dev-key"[^>]* defer><\/script>/);
    // Inline code carries the nonce; nothing else inline runs.
    const inlineScripts = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((match) => match[1]!);
    for (const attributes of inlineScripts) expect(attributes.includes(`nonce="${nonce}"`) || attributes.includes('type="application/json"')).toBe(true);
    // The sample documents ride along as JSON, with "<" escaped so no </script> can end the block.
    const json = /<script type="application\/json" id="sample-documents">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
    expect(json).not.toContain("<");
    expect(JSON.parse(json)).toEqual(sampleDocs);
  });

  it("does not exist in Cloudflare mode", async () => {
    const app = createApp(async () => ({ demo: new DemoService({ mode: "cloudflare", apiKey: "secret" }) }) as unknown as Services);
    const response = await app.request("/demo", {}, {} as Env);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("secret");
  });
});
