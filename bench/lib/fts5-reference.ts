/**
 * The raw-SQLite reference for the keyword leg: better-sqlite3 (native
 * SQLite with FTS5, in this process, in memory) with the schema the
 * project's migrations build (migrations/*.sql applied in order, so chunks,
 * chunks_fts with its tenant_id column and triggers, documents), loaded with
 * the same chunk rows the server stores (reference-chunks.ts), queried with
 * the same MATCH expression (`buildFtsQuery` + `tenantScopedFtsMatch`), the
 * same bm25 weights and the same two-step SQL as the D1 document store's
 * `keywordSearch` (ranked CTE inside FTS5 with LIMIT max(200, limit × 10),
 * then the join with chunks and documents under the visibility conditions;
 * again without the candidate LIMIT when that left fewer than `limit` rows).
 *
 * So the reference does the service's SQLite work and nothing else: no D1
 * round trip, no worker, no serialisation beyond better-sqlite3's own.
 * Rows are inserted through the chunks table (its trigger feeds FTS5) in
 * transactions of `rowsPerTransaction`, about one queue batch's worth, so
 * the index is built incrementally as the service builds it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { buildFtsQuery, tenantScopedFtsMatch } from "../../src/core/search/fts-query.js";
import type { ReferenceChunk } from "./reference-chunks.js";

/** bm25 weights of the FTS columns, as the service's default (tenant_id 0, title, heading, text). */
export interface ColumnWeights {
  title: number;
  heading: number;
  text: number;
}

export const referenceTenant = "default";
const rowsPerTransaction = 100;

// Copied from src/adapters/cloudflare/d1-document-store.ts (visibleChunkColumns, visibleJoin, keywordSearch).
const visibleChunkColumns = "c.id AS chunk_id, c.document_id, c.seq, COALESCE(d.title, '') AS title, c.heading, c.text, d.source_url, d.metadata";
const visibleJoin = "JOIN documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id AND d.active_version = c.version";
export const keywordSql = (withCandidateLimit: boolean) =>
  `WITH ranked AS (SELECT rowid AS rid, bm25(chunks_fts, 0, ?, ?, ?) AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score${withCandidateLimit ? " LIMIT ?" : ""})
   SELECT ${visibleChunkColumns}, ranked.score AS bm25
   FROM ranked
   CROSS JOIN chunks c ON c.rowid = ranked.rid
   ${visibleJoin}
   WHERE +c.tenant_id = ?
   ORDER BY ranked.score
   LIMIT ?`;

/** The MATCH expression the service sends for `query` (null: no searchable word). */
export function referenceMatch(query: string): string | null {
  const ftsQuery = buildFtsQuery(query);
  return ftsQuery === null ? null : tenantScopedFtsMatch(referenceTenant, ftsQuery);
}

export interface ReferenceHit {
  chunk_id: string;
  bm25: number;
}

/**
 * better-sqlite3, or why it cannot load. It is an optional dependency: its
 * native binary comes prebuilt when online, or is compiled at install time
 * (node-gyp); where neither works, `npm install` still succeeds and the raw
 * FTS5 reference is unavailable.
 */
export function loadBetterSqlite(): { ok: true; Database: typeof Database; version: string } | { ok: false; error: string } {
  const require = createRequire(import.meta.url);
  try {
    const Database = require("better-sqlite3") as typeof import("better-sqlite3");
    new Database(":memory:").close();
    const version = (require("better-sqlite3/package.json") as { version: string }).version;
    return { ok: true, Database, version };
  } catch (error) {
    return { ok: false, error: `better-sqlite3 cannot load (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); run \`npm rebuild better-sqlite3\` (needs its prebuilt binary or a C++ toolchain)` };
  }
}

export class Fts5Reference {
  private readonly db: Database.Database;
  private readonly limited: Database.Statement;
  private readonly unlimited: Database.Statement;
  private readonly insertDocument: Database.Statement;
  private readonly insertChunk: Database.Statement;
  private rowCount = 0;

  /** An empty in-memory database with the schema of every migration in `migrationsDir`. */
  constructor(
    migrationsDir: string,
    private readonly weights: ColumnWeights,
  ) {
    const sqlite = loadBetterSqlite();
    if (!sqlite.ok) throw new Error(sqlite.error);
    this.db = new sqlite.Database(":memory:");
    for (const name of readdirSync(migrationsDir).filter((file) => /^\d+.*\.sql$/.test(file)).sort()) {
      this.db.exec(readFileSync(join(migrationsDir, name), "utf8"));
    }
    this.limited = this.db.prepare(keywordSql(true));
    this.unlimited = this.db.prepare(keywordSql(false));
    this.insertDocument = this.db.prepare(
      `INSERT OR IGNORE INTO documents (tenant_id, id, title, format, metadata, content, content_hash, version, active_version, chunk_count, status, incarnation)
       VALUES (?, ?, ?, 'text', '{}', ?, '', 1, 1, 0, 'ready', '')`,
    );
    this.insertChunk = this.db.prepare(
      `INSERT INTO chunks (id, tenant_id, document_id, version, seq, title, heading, text, start_offset, end_offset, token_count)
       VALUES (?, ?, ?, 1, ?, ?, ?, ?, 0, ?, 0)`,
    );
  }

  /** SQLite's version, for the report. */
  get sqliteVersion(): string {
    return (this.db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  }

  /** Chunk rows loaded so far. */
  get rows(): number {
    return this.rowCount;
  }

  /**
   * Adds chunk rows (and a ready document row, version 1 active, for each
   * document they name; `contentOf` gives the raw content stored with it).
   */
  addChunks(chunks: readonly ReferenceChunk[], contentOf: (documentId: string) => string = () => ""): void {
    const load = this.db.transaction((group: readonly ReferenceChunk[]) => {
      for (const chunk of group) {
        if (chunk.seq === 0) this.insertDocument.run(referenceTenant, chunk.documentId, chunk.title, contentOf(chunk.documentId));
        this.insertChunk.run(chunk.id, referenceTenant, chunk.documentId, chunk.seq, chunk.title, chunk.heading, chunk.text, chunk.text.length);
      }
    });
    for (let start = 0; start < chunks.length; start += rowsPerTransaction) load(chunks.slice(start, start + rowsPerTransaction));
    this.rowCount += chunks.length;
  }

  /** The keyword leg's SQLite work for `query`: the best `limit` visible chunks, bm25 ascending (better first). */
  search(query: string, limit: number): ReferenceHit[] {
    const match = referenceMatch(query);
    if (match === null) return [];
    const { title, heading, text } = this.weights;
    const candidates = Math.max(200, limit * 10);
    let rows = this.limited.all(title, heading, text, match, candidates, referenceTenant, limit) as ReferenceHit[];
    if (rows.length < limit) rows = this.unlimited.all(title, heading, text, match, referenceTenant, limit) as ReferenceHit[];
    return rows;
  }

  close(): void {
    this.db.close();
  }
}
