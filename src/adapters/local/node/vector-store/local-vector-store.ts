/**
 * Named local vector indexes persisted under one data directory, one
 * sub-directory each: `index.json` (configuration) and `vectors.log`
 * (`vector-log.ts`). Indexes are opened, and their logs replayed, on first
 * use.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalVectorIndex, type IndexMeta } from "./local-vector-index.js";
import { defaultPrescanMinCandidates } from "./nearest-search.js";
import type { IndexConfig } from "./types.js";
import { checkIndexConfig, checkIndexName, indexNamePattern } from "./validation.js";
import { logFileName, VectorLog } from "./vector-log.js";
import { VectorStoreError } from "./vector-store-error.js";

export interface LocalVectorStoreOptions {
  dataDir: string;
  compaction?: {
    /** Rewrite the log when it is this many times the size of the live records (default 2). */
    ratio?: number;
    /** ...and at least this many bytes (default 1 MiB). */
    minBytes?: number;
  };
  search?: {
    /** Keep an int8 copy of every row and pre-scan it (default true). Results are the same either way. */
    int8?: boolean;
    /** Pre-scan only when at least this many rows pass a query's filters (default 256). */
    prescanMinCandidates?: number;
  };
}

const metaFileName = "index.json";

/** Named vector indexes persisted under one directory. */
export class LocalVectorStore {
  private readonly indexes = new Map<string, LocalVectorIndex>();
  private closed = false;

  constructor(private readonly options: LocalVectorStoreOptions) {
    mkdirSync(options.dataDir, { recursive: true });
  }

  /**
   * Creates an index, or returns the existing one when its configuration is
   * identical. Throws `conflict` when the name is taken with other settings.
   */
  createIndex(name: string, config: IndexConfig): LocalVectorIndex {
    checkIndexName(name);
    checkIndexConfig(config);
    const existing = this.getIndex(name);
    if (existing) {
      if (existing.dimensions !== config.dimensions || existing.metric !== config.metric) {
        throw new VectorStoreError(
          "conflict",
          `index "${name}" already exists with ${existing.dimensions} dimensions and metric ${existing.metric}; ` +
            `it cannot be changed to ${config.dimensions} dimensions and metric ${config.metric} (delete it first)`,
        );
      }
      return existing;
    }
    const dir = this.dirOf(name);
    mkdirSync(dir, { recursive: true });
    const meta: IndexMeta = { name, id: randomUUID(), dimensions: config.dimensions, metric: config.metric, createdOn: new Date().toISOString() };
    VectorLog.createEmpty(join(dir, logFileName));
    writeFileSync(join(dir, metaFileName), JSON.stringify(meta, null, 2));
    return this.open(meta);
  }

  /** The index called `name`, opened (and its log replayed) on first use; undefined when there is none. */
  getIndex(name: string): LocalVectorIndex | undefined {
    this.assertOpen();
    const loaded = this.indexes.get(name);
    if (loaded) return loaded;
    if (!indexNamePattern.test(name)) return undefined;
    const metaPath = join(this.dirOf(name), metaFileName);
    if (!existsSync(metaPath)) return undefined;
    return this.open(JSON.parse(readFileSync(metaPath, "utf8")) as IndexMeta);
  }

  /** Deletes an index and its files. Returns false when there was none. */
  deleteIndex(name: string): boolean {
    const index = this.getIndex(name);
    if (!index) return false;
    index.close();
    this.indexes.delete(name);
    rmSync(this.dirOf(name), { recursive: true, force: true });
    return true;
  }

  /** Closes every open index (their data is already on disk). */
  close(): void {
    for (const index of this.indexes.values()) index.close();
    this.indexes.clear();
    this.closed = true;
  }

  private open(meta: IndexMeta): LocalVectorIndex {
    const { compaction, search } = this.options;
    const index = new LocalVectorIndex(
      meta,
      this.dirOf(meta.name),
      { ratio: compaction?.ratio ?? 2, minBytes: compaction?.minBytes ?? 1024 * 1024 },
      { int8: search?.int8 ?? true, prescanMinCandidates: search?.prescanMinCandidates ?? defaultPrescanMinCandidates },
    );
    this.indexes.set(meta.name, index);
    return index;
  }

  private dirOf(name: string): string {
    return join(this.options.dataDir, name);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("LocalVectorStore is closed");
  }
}
