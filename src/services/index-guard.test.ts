import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { D1DocumentStore } from "../adapters/cloudflare/d1-document-store.js";
import { ensureLocalVectorIndex } from "../adapters/local/local-vectorize-index.js";
import type { Embedder } from "../ports/embedder.js";
import { createIndexGuard } from "./index-guard.js";

/** An embedder that only describes itself; the guard never embeds. */
function describedEmbedder(model: string, dimensions: number): Embedder {
  return {
    model,
    maxBatchSize: 1,
    describe: async () => ({ model, dimensions }),
    embedDocuments: async () => {
      throw new Error("not used");
    },
    embedQuery: async () => {
      throw new Error("not used");
    },
  };
}

let counter = 0;
async function freshIndex(dimensions: number) {
  const name = `guard-${Date.now()}-${counter++}`;
  return { name, vectors: await ensureLocalVectorIndex(env.LOCAL_SERVICES!, name, { dimensions, metric: "cosine" }) };
}

describe("index guard", () => {
  const store = new D1DocumentStore(env.DB);

  it("records the first model and accepts it again", async () => {
    await env.DB.prepare("DELETE FROM index_settings WHERE key LIKE 'embedding_%'").run();
    const { name, vectors } = await freshIndex(8);
    const guard = createIndexGuard({ key: name, store, embedder: describedEmbedder("model-a#cls", 8), vectors });
    expect(await guard.check()).toEqual({ model: "model-a#cls", dimensions: 8 });
    expect(await store.getSetting("embedding_model")).toBe("model-a#cls");
    expect(await store.getSetting("embedding_dimensions")).toBe("8");
  });

  it("refuses another model than the one the index was built with", async () => {
    const { name, vectors } = await freshIndex(8);
    const guard = createIndexGuard({ key: name, store, embedder: describedEmbedder("model-b", 8), vectors });
    const error = await guard.check().catch((caught) => caught);
    expect(error).toMatchObject({ code: "EMBEDDER_MISMATCH" });
    expect(error.message).toMatch(/built with model-a#cls \(8 dimensions\) but EMBEDDING_MODEL is now model-b \(8 dimensions\)/);
  });

  it("refuses a vector index whose dimensions differ from the model's", async () => {
    await env.DB.prepare("DELETE FROM index_settings WHERE key LIKE 'embedding_%'").run();
    const { name, vectors } = await freshIndex(16);
    const guard = createIndexGuard({ key: name, store, embedder: describedEmbedder("model-c", 8), vectors });
    await expect(guard.check()).rejects.toThrow(/vector index has 16 dimensions but model-c produces 8/);
  });

  it("surfaces a mismatch through /health as 503", async () => {
    await env.DB.prepare("INSERT OR REPLACE INTO index_settings (key, value) VALUES ('embedding_model', 'some-other-model'), ('embedding_dimensions', '384')").run();
    const response = await SELF.fetch("http://edge-rag.test/health");
    expect(response.status).toBe(503);
    const body = await response.json<{ status: string; error: { code: string } }>();
    expect(body.status).toBe("error");
    expect(body.error.code).toBe("EMBEDDER_MISMATCH");
  });
});
