/**
 * An optional on-disk cache of local embeddings, keyed by model id and the
 * SHA-256 of the text. Benchmarks use it so that re-running a collection does
 * not recompute thousands of embeddings; results are identical to computing
 * them (same model, same text, deterministic inference).
 *
 * One file per model, `<model>.<dims>d.f32cache`: a sequence of records
 * `[32-byte sha256][dims × float32 LE]`, appended as new texts are embedded
 * and loaded fully on first use.
 */
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const hashBytes = 32;

export class EmbeddingCache {
  private readonly models = new Map<string, { dims: number | undefined; vectors: Map<string, Float32Array> }>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Returns cached vectors where present (undefined elsewhere). */
  lookup(model: string, texts: string[]): (number[] | undefined)[] {
    const entry = this.load(model);
    return texts.map((text) => {
      const vector = entry.vectors.get(digest(text));
      return vector ? Array.from(vector) : undefined;
    });
  }

  store(model: string, texts: string[], vectors: number[][]): void {
    const entry = this.load(model);
    const records: Buffer[] = [];
    texts.forEach((text, index) => {
      const vector = vectors[index]!;
      if (entry.dims === undefined) entry.dims = vector.length;
      if (vector.length !== entry.dims) return;
      const key = digest(text);
      if (entry.vectors.has(key)) return;
      const values = Float32Array.from(vector);
      entry.vectors.set(key, values);
      records.push(Buffer.from(key, "hex"), Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    });
    if (records.length > 0) appendFileSync(join(this.dir, `${fileStem(model)}.${entry.dims}d.f32cache`), Buffer.concat(records));
  }

  private load(model: string) {
    let entry = this.models.get(model);
    if (entry) return entry;
    entry = { dims: undefined, vectors: new Map() };
    this.models.set(model, entry);
    const prefix = `${fileStem(model)}.`;
    const name = readdirSync(this.dir).find((file) => file.startsWith(prefix) && /^\d+d\.f32cache$/.test(file.slice(prefix.length)));
    if (!name) return entry;
    const dims = Number.parseInt(name.slice(prefix.length), 10);
    const bytes = readFileSync(join(this.dir, name));
    entry.dims = dims;
    const recordBytes = hashBytes + dims * 4;
    for (let offset = 0; offset + recordBytes <= bytes.byteLength; offset += recordBytes) {
      const key = bytes.subarray(offset, offset + hashBytes).toString("hex");
      const values = new Float32Array(dims);
      for (let i = 0; i < dims; i++) values[i] = bytes.readFloatLE(offset + hashBytes + i * 4);
      entry.vectors.set(key, values);
    }
    return entry;
  }
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function fileStem(model: string): string {
  return model.replace(/[^A-Za-z0-9_-]+/g, "_");
}
