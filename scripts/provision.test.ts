import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planProvisioning, readTarget, writeDatabaseId } from "./provision.js";

const toml = readFileSync(new URL("../wrangler.toml", import.meta.url), "utf8");

describe("provisioning plan", () => {
  it("reads the production names from wrangler.toml, not the local env", () => {
    expect(readTarget(toml)).toEqual({
      databaseName: "edge-rag",
      indexName: "edge-rag",
      queue: "edge-rag-ingest",
      deadLetterQueue: "edge-rag-ingest-dlq",
      embeddingModel: "@cf/baai/bge-base-en-v1.5",
      dimensions: 768,
      metadataIndexes: [{ property: "document_id", type: "string" }],
    });
  });

  it("sizes the index for the embedding model and creates metadata indexes before any insert", () => {
    const steps = planProvisioning(readTarget(toml, { metadataIndexes: ["product:string", "year:number"] }));
    expect(steps.map((step) => step.args.join(" "))).toEqual([
      "d1 create edge-rag",
      "vectorize create edge-rag --dimensions=768 --metric=cosine",
      "vectorize create-metadata-index edge-rag --propertyName=document_id --type=string",
      "vectorize create-metadata-index edge-rag --propertyName=product --type=string",
      "vectorize create-metadata-index edge-rag --propertyName=year --type=number",
      "queues create edge-rag-ingest",
      "queues create edge-rag-ingest-dlq",
    ]);
  });

  it("refuses an unknown model without --dimensions", () => {
    const custom = toml.replace('EMBEDDING_MODEL = "@cf/baai/bge-base-en-v1.5"', 'EMBEDDING_MODEL = "@cf/new/model"');
    expect(() => readTarget(custom)).toThrow(/--dimensions/);
    expect(readTarget(custom, { dimensions: 1024 }).dimensions).toBe(1024);
  });

  it("rejects a malformed --metadata-index", () => {
    expect(() => readTarget(toml, { metadataIndexes: ["year:date"] })).toThrow(/metadata-index/);
  });

  it("writes the database id into the production entry only", () => {
    const updated = writeDatabaseId(toml, "edge-rag", "11111111-2222-3333-4444-555555555555");
    expect(updated).toContain('database_id = "11111111-2222-3333-4444-555555555555"');
    expect(updated).toContain('database_id = "00000000-0000-0000-0000-000000000001"');
    expect(updated.split("\n").length).toBe(toml.split("\n").length);
  });
});
