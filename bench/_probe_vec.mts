// Temporary probe (deleted after use): why is the server's vector leg slower than the in-process scan?
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createVectorService } from "../src/adapters/local/node/vector-service.js";
import { featureHashingVector } from "../src/adapters/local/node/models/feature-hashing.js";
import { loadCollection } from "./lib/collection.js";
import { buildSpeedCorpus, passagesOf } from "./lib/speed-corpus.js";
import { summarize } from "./lib/latency.js";
const n = Number(process.argv[2] ?? 100000);
const c = loadCollection("/work/shared/bench-data/scifact");
const docs = buildSpeedCorpus(passagesOf(c.corpus, 240), n, { maxTokens: 240 });
const dir = mkdtempSync(join(tmpdir(), "edge-rag-vec-probe-"));
const svc = createVectorService({ dataDir: dir });
const call = async (op: string, body: unknown) => {
  const r = await svc.fetch(new Request(`http://x/vectorize/idx/${op}`, { method: "POST", body: JSON.stringify(body) }), `idx/${op}`);
  return r.json() as Promise<any>;
};
await call("create", { dimensions: 512, metric: "cosine" });
const t0 = performance.now();
for (let i = 0; i < n; i += 100) {
  await call("upsert", { vectors: docs.slice(i, i + 100).map((d) => ({ id: `default:${d.id}:1:0`.padEnd(40, "x"), values: Array.from(featureHashingVector(`${d.title}\n${d.content}`)), namespace: "default", metadata: { tenant_id: "default", document_id: d.id, chunk_id: d.id, version: 1 } })) });
}
console.log("upserts", ((performance.now() - t0) / 1000).toFixed(1), "s");
const qs = c.queries.map((q) => Array.from(featureHashingVector(q.text)));
for (const label of ["service (JSON in/out)", "again"]) {
  const ts: number[] = [];
  for (const q of qs) { const s = performance.now(); await call("query", { vector: q, options: { topK: 20, namespace: "default", returnMetadata: "none", returnValues: false } }); ts.push(performance.now() - s); }
  const s = summarize(ts); console.log(label, "p50", s.p50.toFixed(1), "p95", s.p95.toFixed(1));
}
await svc.close();
rmSync(dir, { recursive: true, force: true });
