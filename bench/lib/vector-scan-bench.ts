/**
 * The local vector stand-in's search against the plain scalar loop
 * (`plain-cosine-scan.ts`), in-process, on the same matrix: for each size, an
 * index of seeded 512-d vectors (uniform in [-1, 1), or clustered), all in one
 * namespace, cosine, queried with `index.query(q, {topK: 10, namespace})` as
 * the vector service calls it (a plain number[] query). The two alternate,
 * after a warm-up, so that other load on the machine hits both alike.
 *
 * Figures per size: `speedup` = plain p50 / ours p50 (higher is better);
 * `recall_at_10` against the exact top 10 (float64 cosine over the same
 * float32 rows, ties to the lower row); memory per 100k vectors before (the
 * float32 matrix and per-row arrays, as before the int8 copy existed) and
 * after (plus the int8 rows, their two float64 factors and the per-query
 * scratch), from the typed arrays' byte lengths at the index's capacity,
 * scaled to 100,000 rows (ids, metadata and the id map are the same in both
 * and not counted); `rescored_mean`, rows scored exactly per query.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "../../src/core/seeded-random.js";
import { LocalVectorStore } from "../../src/adapters/local/node/vector-store.js";
import { summarize } from "./latency.js";
import { inverseRowNorms, plainCosineTopK } from "./plain-cosine-scan.js";

export interface VectorScanOptions {
  /** Vector length (default 512). */
  dimensions?: number;
  /** Distinct query vectors, used round-robin (default 32). */
  queries?: number;
  /** Untimed rounds before timing (default 10). */
  warmup?: number;
  /** Timed rounds per size (default: about 1e10 multiply-adds per method, 20..300). */
  repetitions?: number;
  /** "random": uniform in [-1, 1); "clustered": 100 gaussian centroids plus noise of `noise` times their spread (default random). */
  data?: "random" | "clustered";
  /** Noise of clustered data relative to the centroids (default 0.2: neighbours' cosine about 0.96). */
  noise?: number;
  /** Keep the int8 copy (default true; false measures the exact float scan alone). */
  int8?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface VectorScanFigures {
  vectors: number;
  speedup: number;
  recall_at_10: number;
  ours_p50_ms: number;
  plain_p50_ms: number;
  memory_bytes_per_100k_before: number;
  memory_bytes_per_100k_after: number;
  rescored_mean: number;
  repetitions: number;
}

/** Runs the comparison at each size; results keyed by size. */
export async function benchVectorScan(sizes: number[], opts: VectorScanOptions = {}): Promise<Record<string, VectorScanFigures>> {
  const out: Record<string, VectorScanFigures> = {};
  for (const size of sizes) {
    out[String(size)] = benchOneSize(size, opts);
    opts.log?.(formatFigures(out[String(size)]!));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

/** One line per size, for printing. */
export function formatFigures(f: VectorScanFigures): string {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  return (
    `${String(f.vectors).padStart(7)} vectors: ours p50 ${f.ours_p50_ms.toFixed(3)} ms | plain loop p50 ${f.plain_p50_ms.toFixed(3)} ms | ` +
    `speedup ${f.speedup.toFixed(2)}x | recall@10 ${f.recall_at_10.toFixed(4)} | rescored ${f.rescored_mean.toFixed(1)} rows/query | ` +
    `memory per 100k: ${mb(f.memory_bytes_per_100k_before)} before, ${mb(f.memory_bytes_per_100k_after)} after | ${f.repetitions} reps`
  );
}

function benchOneSize(size: number, opts: VectorScanOptions): VectorScanFigures {
  const dims = opts.dimensions ?? 512;
  const queryCount = opts.queries ?? 32;
  const warmup = opts.warmup ?? 10;
  const repetitions = opts.repetitions ?? Math.round(Math.min(300, Math.max(20, 1e10 / (size * dims))));
  const { matrix, queries } = makeData(size, dims, queryCount, opts);
  const queryArrays = queries.map((query) => Array.from(query));
  const invNorms = inverseRowNorms(matrix, dims);

  const dataDir = mkdtempSync(join(tmpdir(), "edge-rag-vector-scan-"));
  const store = new LocalVectorStore({ dataDir, search: { int8: opts.int8 ?? true } });
  try {
    const index = store.createIndex("scan", { dimensions: dims, metric: "cosine" });
    for (let start = 0; start < size; start += 1000) {
      const batch = [];
      for (let row = start; row < Math.min(size, start + 1000); row++) {
        batch.push({ id: `v${row}`, values: matrix.subarray(row * dims, (row + 1) * dims), namespace: "default" });
      }
      index.upsert(batch);
    }

    let hits = 0;
    let rescored = 0;
    for (let q = 0; q < queryCount; q++) {
      const ours = index.query(queryArrays[q]!, { topK: 10, namespace: "default" }).map((match) => match.id);
      rescored += index.lastSearch?.scoredExactly ?? 0;
      const exact = new Set(exactCosineTop10(matrix, dims, queries[q]!).map((row) => `v${row}`));
      hits += ours.filter((id) => exact.has(id)).length;
    }

    const ours: number[] = [];
    const plain: number[] = [];
    let sink = 0;
    for (let i = 0; i < warmup + repetitions; i++) {
      const q = i % queryCount;
      let started = performance.now();
      sink += index.query(queryArrays[q]!, { topK: 10, namespace: "default" }).length;
      const oursMs = performance.now() - started;
      started = performance.now();
      sink += plainCosineTopK(matrix, invNorms, dims, queries[q]!, 10).rows.length;
      const plainMs = performance.now() - started;
      if (i >= warmup) {
        ours.push(oursMs);
        plain.push(plainMs);
      }
    }
    if (sink === 0) throw new Error("no results");

    const storage = index.storage();
    const perRow = (bytes: number) => (bytes / storage.capacity) * 100_000;
    const before = perRow(storage.float32Bytes + storage.perRowArrayBytes);
    const after = before + perRow((storage.int8Bytes ?? 0) + (storage.factorBytes ?? 0) + (storage.scratchBytes ?? 0));
    const oursP50 = summarize(ours).p50;
    const plainP50 = summarize(plain).p50;
    return {
      vectors: size,
      speedup: plainP50 / oursP50,
      recall_at_10: hits / (queryCount * Math.min(10, size)),
      ours_p50_ms: oursP50,
      plain_p50_ms: plainP50,
      memory_bytes_per_100k_before: Math.round(before),
      memory_bytes_per_100k_after: Math.round(after),
      rescored_mean: rescored / queryCount,
      repetitions,
    };
  } finally {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function makeData(size: number, dims: number, queryCount: number, opts: VectorScanOptions): { matrix: Float32Array; queries: Float32Array[] } {
  const random = seededRandom(size);
  const matrix = new Float32Array(size * dims);
  if ((opts.data ?? "random") === "random") {
    for (let i = 0; i < matrix.length; i++) matrix[i] = random() * 2 - 1;
    const queries = Array.from({ length: queryCount }, () => Float32Array.from({ length: dims }, () => random() * 2 - 1));
    return { matrix, queries };
  }
  const noise = opts.noise ?? 0.2;
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centroids = Array.from({ length: 100 }, () => Float64Array.from({ length: dims }, gaussian));
  const near = (centroid: Float64Array, target: Float32Array, offset: number) => {
    for (let j = 0; j < dims; j++) target[offset + j] = centroid[j]! + noise * gaussian();
  };
  for (let row = 0; row < size; row++) near(centroids[Math.floor(random() * centroids.length)]!, matrix, row * dims);
  const queries = Array.from({ length: queryCount }, () => {
    const query = new Float32Array(dims);
    near(centroids[Math.floor(random() * centroids.length)]!, query, 0);
    return query;
  });
  return { matrix, queries };
}

/** The exact top 10 rows by cosine, in float64 over the float32 rows (ties: lower row first). */
function exactCosineTop10(matrix: Float32Array, dims: number, query: Float32Array): number[] {
  const rows = matrix.length / dims;
  let queryNorm = 0;
  for (let j = 0; j < dims; j++) queryNorm += query[j]! * query[j]!;
  const best: { row: number; score: number }[] = [];
  for (let row = 0; row < rows; row++) {
    const base = row * dims;
    let dot = 0;
    let norm = 0;
    for (let j = 0; j < dims; j++) {
      dot += query[j]! * matrix[base + j]!;
      norm += matrix[base + j]! * matrix[base + j]!;
    }
    const score = norm > 0 && queryNorm > 0 ? dot / Math.sqrt(norm * queryNorm) : 0;
    if (best.length === 10 && score <= best[9]!.score) continue;
    best.push({ row, score });
    best.sort((a, b) => b.score - a.score || a.row - b.row);
    if (best.length > 10) best.pop();
  }
  return best.map((entry) => entry.row);
}
