import { describe, expect, it } from "vitest";
import { documentIdSchema } from "../../../functions/schemas.js";
import { canonicalPageUrl, pageDocumentId, pathAndQuery } from "./page-identity.js";
import { extractLinks } from "./page-links.js";
import { nextSyncAt, scheduleHours } from "./sync-schedule.js";

describe("canonicalPageUrl", () => {
  it("resolves, drops fragments, default ports and credentials, lowers the host", () => {
    expect(canonicalPageUrl("HTTPS://Example.COM:443/a/../b?x=1#frag")).toBe("https://example.com/b?x=1");
    expect(canonicalPageUrl("c", "http://example.com/a/b")).toBe("http://example.com/a/c");
    expect(canonicalPageUrl("http://u:p@example.com/")).toBe("http://example.com/");
    expect(canonicalPageUrl("mailto:a@example.com")).toBeNull();
    expect(canonicalPageUrl("::nonsense")).toBeNull();
  });
});

describe("pageDocumentId", () => {
  it("is readable, stable and valid under the API's id rules", async () => {
    const id = await pageDocumentId("https://example.com/docs/Getting_Started?x=1");
    expect(id).toMatch(/^web-example-com-docs-getting-started-[0-9a-f]{12}$/);
    expect(await pageDocumentId("https://example.com/docs/Getting_Started?x=1")).toBe(id);
    expect(documentIdSchema.safeParse(id).success).toBe(true);
  });

  it("differs for URLs whose slugs collide", async () => {
    const a = await pageDocumentId("https://example.com/a-b");
    const b = await pageDocumentId("https://example.com/a/b");
    expect(a).not.toBe(b);
    expect(a.slice(0, -13)).toBe(b.slice(0, -13));
  });

  it("stays within 128 characters for very long URLs", async () => {
    const id = await pageDocumentId(`https://example.com/${"segment/".repeat(100)}`);
    expect(id.length).toBeLessThanOrEqual(128);
    expect(documentIdSchema.safeParse(id).success).toBe(true);
  });

  it("pathAndQuery is what patterns and robots rules see", () => {
    expect(pathAndQuery("https://example.com/a/b?c=d")).toBe("/a/b?c=d");
  });
});

describe("extractLinks", () => {
  it("resolves hrefs (and <base>), skips nofollow, fragments-only duplicates and non-http links", () => {
    const html = `<html><head><base href="https://example.com/docs/"></head><body>
      <a href="intro">Intro</a> <a href="intro#part">Again</a>
      <a href="/about">About</a> <a rel="nofollow" href="/login">Login</a>
      <a href="mailto:x@example.com">Mail</a> <a href="javascript:void(0)">JS</a>
      <map><area href="https://other.example/x"></map>
    </body></html>`;
    expect(extractLinks(html, "https://example.com/start")).toEqual(["https://example.com/docs/intro", "https://example.com/about", "https://other.example/x"]);
  });
});

describe("sync schedule", () => {
  it("knows hourly, daily, weekly and <n>h", () => {
    expect(scheduleHours("hourly")).toBe(1);
    expect(scheduleHours("daily")).toBe(24);
    expect(scheduleHours("weekly")).toBe(168);
    expect(scheduleHours("6h")).toBe(6);
    expect(scheduleHours("721h")).toBeNull();
    expect(scheduleHours("0h")).toBeNull();
    expect(scheduleHours("monthly")).toBeNull();
  });

  it("computes the next sync from the start of the last one", () => {
    const from = new Date("2026-01-01T00:00:00Z");
    expect(nextSyncAt("daily", from)?.toISOString()).toBe("2026-01-02T00:00:00.000Z");
    expect(nextSyncAt(null, from)).toBeNull();
  });
});
