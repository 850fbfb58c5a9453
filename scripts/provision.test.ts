import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { planProvisioning, readTarget, writeDatabaseId } from "./provision.js";

const toml = readFileSync(new URL("../wrangler.toml", import.meta.url), "utf8");
const root = fileURLToPath(new URL("..", import.meta.url));

/** Runs `tsx scripts/provision.ts <args>` as `npm run provision -- <args>` does; resolves with its exit code and output. */
async function runProvision(args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(`${root}node_modules/.bin/tsx`, ["scripts/provision.ts", ...args], { cwd: root, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("provisioning plan", () => {
  it("reads the production names from wrangler.toml, not the local env", () => {
    expect(readTarget(toml)).toEqual({
      databaseName: "edge-rag",
      indexName: "edge-rag",
      queue: "edge-rag-ingest",
      deadLetterQueue: "edge-rag-ingest-dlq",
      originalsBucket: "edge-rag-originals",
      originalsBucketBound: true,
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
      "r2 bucket create edge-rag-originals",
    ]);
  });

  it("creates the originals bucket wrangler.toml binds, and only then treats its failure as fatal", () => {
    // wrangler.toml binds ORIGINALS; without that block the bucket is created on a best-effort basis.
    const withoutBucket = toml.replace(/^\[\[r2_buckets\]\]\nbinding = "ORIGINALS"\nbucket_name = "edge-rag-originals"\n/m, "");
    expect(withoutBucket).not.toBe(toml);
    const unbound = planProvisioning(readTarget(withoutBucket)).find((step) => step.args[0] === "r2")!;
    expect(unbound.mayFail).toBeDefined();
    expect(readTarget(withoutBucket)).toMatchObject({ originalsBucket: "edge-rag-originals", originalsBucketBound: false });
    const bound = withoutBucket.replace("[[d1_databases]]", '[[r2_buckets]]\nbinding = "ORIGINALS"\nbucket_name = "my-originals"\n\n[[d1_databases]]');
    const target = readTarget(bound);
    expect(target).toMatchObject({ originalsBucket: "my-originals", originalsBucketBound: true });
    const step = planProvisioning(target).find((candidate) => candidate.args[0] === "r2")!;
    expect(step).toMatchObject({ args: ["r2", "bucket", "create", "my-originals"], exists: ["r2", "bucket", "info", "my-originals"] });
    expect(step.mayFail).toBeUndefined();
  });

  it("refuses an unknown model without --dimensions", () => {
    const custom = toml.replace('EMBEDDING_MODEL = "@cf/baai/bge-base-en-v1.5"', 'EMBEDDING_MODEL = "@cf/new/model"');
    expect(() => readTarget(custom)).toThrow(/--dimensions/);
    expect(readTarget(custom, { dimensions: 1024 }).dimensions).toBe(1024);
  });

  it("refuses more dimensions than Vectorize allows (1,536)", () => {
    expect(readTarget(toml, { dimensions: 1536 }).dimensions).toBe(1536);
    expect(() => readTarget(toml, { dimensions: 1537 })).toThrow(/1 to 1536/);
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

describe("npm run provision, run as a script", () => {
  it("--dry-run prints every wrangler command of a real run, in order", async () => {
    const { code, stdout, stderr } = await runProvision(["--dry-run", "--metadata-index", "product:string", "--metadata-index", "year:number"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const commands = stdout.split("\n").filter((line) => line.startsWith("wrangler "));
    expect(commands).toEqual([
      "wrangler whoami --json",
      "wrangler d1 create edge-rag",
      "wrangler vectorize create edge-rag --dimensions=768 --metric=cosine",
      "wrangler vectorize create-metadata-index edge-rag --propertyName=document_id --type=string",
      "wrangler vectorize create-metadata-index edge-rag --propertyName=product --type=string",
      "wrangler vectorize create-metadata-index edge-rag --propertyName=year --type=number",
      "wrangler queues create edge-rag-ingest",
      "wrangler queues create edge-rag-ingest-dlq",
      "wrangler r2 bucket create edge-rag-originals",
      "wrangler d1 info edge-rag --json",
      "wrangler d1 migrations apply edge-rag --remote",
      "wrangler secret list",
      "wrangler secret put API_KEY",
    ]);
    // Each create says what makes a re-run skip it.
    expect(stdout).toContain("skipped when `wrangler d1 info edge-rag --json` succeeds");
    expect(stdout).toContain("skipped when `wrangler vectorize get edge-rag` succeeds");
    expect(stdout).toContain("skipped when `wrangler queues info edge-rag-ingest-dlq` succeeds");
    expect(stdout).toContain("skipped when `wrangler r2 bucket info edge-rag-originals` succeeds");
  });

  it("--dry-run exits 1 with a reason, before any command, on an index Vectorize cannot hold", async () => {
    const { code, stdout, stderr } = await runProvision(["--dry-run", "--dimensions", "3072"]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/provision failed: --dimensions 3072: Vectorize indexes take 1 to 1536 dimensions/);
  });

  // Regression: plain `wrangler whoami` exits 0 when logged out, so the check let a logged-out run go on to `d1 create`.
  it("without --dry-run and without credentials, stops at the login check before creating anything", async () => {
    const home = mkdtempSync(join(tmpdir(), "edge-rag-provision-"));
    try {
      // No CLOUDFLARE_* variables and an empty wrangler config: certainly logged out.
      const { code, stdout, stderr } = await runProvision([], { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: home, WRANGLER_SEND_METRICS: "false" });
      expect(code).toBe(1);
      expect(stdout).not.toContain("→");
      expect(stderr).toMatch(/provision failed: not logged in: run `npx wrangler login`/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
