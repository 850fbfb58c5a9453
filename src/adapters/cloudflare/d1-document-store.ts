/**
 * The document store on D1 (SQLite + FTS5). Used in both modes: locally D1
 * runs for real under miniflare.
 *
 * D1 has no BEGIN/COMMIT; `batch()` is the unit of atomicity, and a statement
 * binds at most 100 parameters. Visibility rules that keep readers consistent:
 * a chunk is visible only when `documents.active_version` equals its version,
 * so a new version's chunks appear, and the old ones disappear, in the one
 * batch that flips `active_version`.
 *
 * Races between ingestion jobs, deletes and re-posts are decided inside
 * single statements: every write of a job carries the (version, incarnation)
 * it works for and applies only while the document still has them, and the
 * deletes that clean up after a lost race touch only rows that can belong to
 * the loser (see `activateVersions` and `dropVectorSet`).
 */
import type {
  ChunkInput,
  ColumnWeights,
  DocumentFormat,
  DocumentInput,
  DocumentMetadata,
  DocumentRecord,
  DocumentStatus,
  DocumentStore,
  IndexStats,
  KeywordHit,
  ListPage,
  ProcessingDocument,
  ProcessingTarget,
  SaveOutcome,
  UnfinishedDocument,
  VectorSet,
  VersionRef,
  VisibleChunk,
} from "../../ports/document-store.js";
import { newIncarnation } from "../../core/document-identity.js";
import { compileMetadataFilterToSql, filterSqlParamBudget } from "../../core/search/metadata-filter.js";
import { tenantScopedFtsMatch } from "../../core/search/fts-query.js";

import { distinctRounds, documentKeyOf, refRowsJson, refRowsSql } from "./d1-ref-sets.js";
import { activatedSql, adoptRowsSql, currentVersionSql, liveSetSql, now, supersededVersionSql } from "./d1-version-rules.js";
const maxParams = 100;

interface DocumentRow {
  tenant_id: string;
  id: string;
  title: string | null;
  format: DocumentFormat;
  source_url: string | null;
  metadata: string;
  content_hash: string;
  version: number;
  incarnation: string;
  active_version: number | null;
  chunk_count: number;
  status: DocumentStatus;
  error: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
  original_key: string | null;
  original_format: DocumentFormat | null;
  original_bytes: number | null;
  original_name: string | null;
}

const documentColumns =
  "tenant_id, id, title, format, source_url, metadata, content_hash, version, incarnation, active_version, chunk_count, status, error, attempts, created_at, updated_at, original_key, original_format, original_bytes, original_name";

interface ChunkRow {
  chunk_id: string;
  document_id: string;
  seq: number;
  title: string;
  heading: string;
  text: string;
  source_url: string | null;
  metadata: string;
  page: number | null;
  page_end: number | null;
}

/** Columns of a visible chunk; `c` is chunks, `d` is documents. */
const visibleChunkColumns =
  "c.id AS chunk_id, c.document_id, c.seq, COALESCE(d.title, '') AS title, c.heading, c.text, d.source_url, d.metadata, c.page, c.page_end";
const visibleJoin = "JOIN documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id AND d.active_version = c.version";

/**
 * The metadata JSON that filters see: the user's metadata plus `document_id`
 * (the same fields the vectors carry), so callers can restrict a search to
 * given documents.
 */
const filterableMetadataSql = "json_set(d.metadata, '$.document_id', d.id)";

export class D1DocumentStore implements DocumentStore {
  constructor(private readonly db: D1Database) {}

  async saveDocuments(tenantId: string, documents: DocumentInput[]): Promise<SaveOutcome[]> {
    if (documents.length === 0) return [];
    // Set-based, like the queue batch's writes: the documents travel as JSON
    // parameters (packed to ≤ 90,000 bytes each), so a 100-document post is a
    // handful of statements in one atomic batch, not two per document.
    // Ids are distinct within a call (the service rejects repeats), so rows
    // returned by RETURNING are matched to documents by id.
    const ids = documents.map((doc) => JSON.stringify(doc.id));
    const idGroups = packRows(ids, maxRowsJsonBytes).map((group) => `[${group.join(",")}]`);
    // The uploaded files the rows name now, read in the same atomic batch as
    // the writes: a new version's row names its own (or none), so the old
    // one is the caller's to delete.
    const priorOriginals = idGroups.map((group) =>
      this.db
        .prepare(`SELECT id, original_key FROM documents WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2)) AND original_key IS NOT NULL`)
        .bind(tenantId, group),
    );
    // New content → insert or bump the version; same content → no row returned.
    // A new row gets a fresh incarnation; a new version keeps the row's.
    // A PDF's row has format 'text' (its text layer) and original_format 'pdf' (see migrations/0006).
    const values = documents.map((doc) => [
      doc.id,
      doc.title,
      doc.format === "pdf" ? "text" : doc.format,
      doc.sourceUrl,
      JSON.stringify(doc.metadata),
      doc.content,
      doc.contentHash,
      newIncarnation(),
      doc.original?.key ?? null,
      doc.original?.format ?? null,
      doc.original?.bytes ?? null,
      doc.original?.filename ?? null,
    ]);
    const upsertSql = (rows: string) =>
      `INSERT INTO documents (tenant_id, id, title, format, source_url, metadata, content, content_hash, version, status, incarnation,
                              original_key, original_format, original_bytes, original_name)
       ${rows}
       ON CONFLICT (tenant_id, id) DO UPDATE SET
         title = excluded.title, format = excluded.format, source_url = excluded.source_url,
         metadata = excluded.metadata, content = excluded.content, content_hash = excluded.content_hash,
         original_key = excluded.original_key, original_format = excluded.original_format,
         original_bytes = excluded.original_bytes, original_name = excluded.original_name,
         version = documents.version + 1, status = 'queued', error = NULL, attempts = 0, updated_at = ${now}
       WHERE documents.content_hash <> excluded.content_hash
       RETURNING id, version, incarnation`;
    // Documents of up to ~90 KB as JSON travel together (`WHERE true`: SQLite's rule for an
    // upsert whose rows come from a SELECT); a larger one binds its fields itself, so its
    // content is one plain value (D1 allows 2 MB per value, and JSON escaping can double it).
    const packed: string[] = [];
    const alone: (string | number | null)[][] = [];
    for (const row of values) {
      const json = JSON.stringify(row);
      if (utf8Length(json) > maxRowsJsonBytes) alone.push(row);
      else packed.push(json);
    }
    const field = (index: number) => `json_extract(r.value, '$[${index}]')`;
    const upserts = [
      ...packRows(packed, maxRowsJsonBytes).map((group) =>
        this.db
          .prepare(
            upsertSql(`SELECT ?1, ${field(0)}, ${field(1)}, ${field(2)}, ${field(3)}, ${field(4)}, ${field(5)}, ${field(6)}, 1, 'queued', ${field(7)},
                              ${field(8)}, ${field(9)}, ${field(10)}, ${field(11)}
                       FROM json_each(?2) AS r WHERE true`),
          )
          .bind(tenantId, `[${group.join(",")}]`),
      ),
      ...alone.map((row) =>
        this.db.prepare(upsertSql("VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, 'queued', ?9, ?10, ?11, ?12, ?13)")).bind(tenantId, ...row),
      ),
    ];
    // A new version makes the previous in-progress version's vector set stale: mark it in the same
    // batch, after the rows moved on (a set still current or active is spared, so unchanged documents are too).
    const marks = idGroups.map((group) =>
      this.db
        .prepare(
          `UPDATE vector_sets AS s SET stale_at = COALESCE(s.stale_at, ${now})
           WHERE s.tenant_id = ?1 AND s.document_id IN (SELECT value FROM json_each(?2)) AND s.stale_at IS NULL AND NOT EXISTS (${liveSetSql})`,
        )
        .bind(tenantId, group),
    );
    const batched = await this.db.batch<{ id: string; version: number; incarnation: string; original_key: string }>([...priorOriginals, ...upserts, ...marks]);
    const prior = new Map(batched.slice(0, priorOriginals.length).flatMap((result) => result.results.map((row) => [row.id, row.original_key] as const)));
    const stored = new Map(
      batched.slice(priorOriginals.length, priorOriginals.length + upserts.length).flatMap((result) => result.results.map((row) => [row.id, row] as const)),
    );
    const outcomes: (SaveOutcome | undefined)[] = documents.map((doc) => {
      const row = stored.get(doc.id);
      if (!row) return undefined;
      const replaced = prior.get(doc.id);
      return {
        kind: "stored",
        id: doc.id,
        version: row.version,
        incarnation: row.incarnation,
        ...(replaced !== undefined && replaced !== doc.original?.key ? { replacedOriginal: replaced } : {}),
      };
    });

    // Unchanged content: nothing to do if it is ready; otherwise queue it again
    // (a lost message or a failure must be recoverable by re-posting).
    const unchangedIds = documents.filter((_, index) => !outcomes[index]).map((doc) => doc.id);
    const current = new Map<string, { version: number; status: DocumentStatus; incarnation: string }>();
    for (const ids of chunked(unchangedIds, maxParams - 1)) {
      const { results: rows } = await this.db
        .prepare(`SELECT id, version, status, incarnation FROM documents WHERE tenant_id = ? AND id IN (${placeholders(ids.length)})`)
        .bind(tenantId, ...ids)
        .all<{ id: string; version: number; status: DocumentStatus; incarnation: string }>();
      for (const row of rows) current.set(row.id, row);
    }
    const toReset = unchangedIds.filter((id) => current.get(id)?.status === "failed");
    if (toReset.length > 0) {
      await this.db.batch(
        toReset.map((id) =>
          this.db
            .prepare(`UPDATE documents SET status = 'queued', error = NULL, attempts = 0, updated_at = ${now} WHERE tenant_id = ? AND id = ? AND status = 'failed'`)
            .bind(tenantId, id),
        ),
      );
    }
    return documents.map((doc, index) => {
      const stored = outcomes[index];
      if (stored) return stored;
      const row = current.get(doc.id);
      if (!row) throw new Error(`document ${doc.id} vanished while being saved`);
      const kind = row.status === "ready" ? "unchanged" : "requeue";
      return { kind, id: doc.id, version: row.version, incarnation: row.incarnation };
    });
  }

  async getDocument(tenantId: string, id: string): Promise<DocumentRecord | null> {
    const row = await this.db
      .prepare(`SELECT ${documentColumns} FROM documents WHERE tenant_id = ? AND id = ?`)
      .bind(tenantId, id)
      .first<DocumentRow>();
    return row ? toRecord(row) : null;
  }

  async listDocuments(tenantId: string, options: { limit: number; after?: string; status?: DocumentStatus }): Promise<ListPage> {
    const conditions = ["tenant_id = ?"];
    const params: unknown[] = [tenantId];
    if (options.after !== undefined) {
      conditions.push("id > ?");
      params.push(options.after);
    }
    if (options.status !== undefined) {
      conditions.push("status = ?");
      params.push(options.status);
    }
    const { results } = await this.db
      .prepare(`SELECT ${documentColumns} FROM documents WHERE ${conditions.join(" AND ")} ORDER BY id LIMIT ?`)
      .bind(...params, options.limit + 1)
      .all<DocumentRow>();
    const page = results.slice(0, options.limit).map(toRecord);
    return { documents: page, nextCursor: results.length > options.limit ? page[page.length - 1]!.id : null };
  }

  async deleteDocument(tenantId: string, id: string): Promise<{ originalKey: string | null } | null> {
    const results = await this.db.batch<{ id: string; original_key: string | null }>([
      // Rows written without a set (by code older than vector sets) get one, so their vectors stay accounted for.
      this.db.prepare(adoptRowsSql("")).bind(tenantId, id),
      this.db.prepare(`UPDATE vector_sets SET stale_at = COALESCE(stale_at, ${now}) WHERE tenant_id = ?1 AND document_id = ?2`).bind(tenantId, id),
      this.db.prepare("DELETE FROM documents WHERE tenant_id = ?1 AND id = ?2 RETURNING id, original_key").bind(tenantId, id),
      this.db.prepare("DELETE FROM chunks WHERE tenant_id = ?1 AND document_id = ?2").bind(tenantId, id),
    ]);
    const deleted = results[2]?.results[0];
    return deleted ? { originalKey: deleted.original_key } : null;
  }

  async loadForProcessing(tenantId: string, id: string, version: number, incarnation: string | undefined): Promise<(DocumentRecord & { content: string }) | null> {
    const row = await this.db
      .prepare(`SELECT ${documentColumns}, content FROM documents WHERE tenant_id = ? AND id = ? AND version = ? AND (?4 IS NULL OR incarnation = ?4)`)
      .bind(tenantId, id, version, incarnation ?? null)
      .first<DocumentRow & { content: string }>();
    return row ? { ...toRecord(row), content: row.content } : null;
  }

  async startProcessing(targets: readonly ProcessingTarget[], options: { inlineContentChars: number }): Promise<(ProcessingDocument | null)[]> {
    if (targets.length === 0) return [];
    const rounds = distinctRounds(targets, (target) => documentKeyOf(target));
    const statements = rounds.flatMap((round) => {
      const refs = refRowsJson(round.map((i) => ({ ref: { ...targets[i]!, incarnation: targets[i]!.incarnation ?? null } })));
      return [
        // Only a version still waiting or in progress moves to processing (counting the attempt).
        this.db
          .prepare(
            `UPDATE documents SET status = 'processing', attempts = attempts + 1, updated_at = ${now}
             FROM ${refRowsSql("?1")} AS r
             WHERE documents.tenant_id = r.t AND documents.id = r.d AND documents.version = r.v
               AND (r.i IS NULL OR documents.incarnation = r.i)
               -- unary + : look documents up by key from r, never scan every waiting document by status
               AND +documents.status IN ('queued', 'processing')`,
          )
          .bind(refs),
        this.db
          .prepare(
            `SELECT ${documentColumns}, CASE WHEN length(content) <= ?2 THEN content END AS content,
                    -- An uploaded file's content is in R2: its size bounds the text it yields.
                    COALESCE(original_bytes, length(content)) AS content_length
             FROM ${refRowsSql("?1")} AS r CROSS JOIN documents
             WHERE documents.tenant_id = r.t AND documents.id = r.d AND documents.version = r.v AND (r.i IS NULL OR documents.incarnation = r.i)`,
          )
          .bind(refs, options.inlineContentChars),
      ];
    });
    const results = await this.db.batch<DocumentRow & { content: string | null; content_length: number }>(statements);
    const out: (ProcessingDocument | null)[] = targets.map(() => null);
    rounds.forEach((round, r) => {
      const rows = new Map((results[2 * r + 1]?.results ?? []).map((row) => [documentKeyOf({ tenantId: row.tenant_id, documentId: row.id }), row]));
      for (const i of round) {
        const row = rows.get(documentKeyOf(targets[i]!));
        out[i] = row ? { ...toRecord(row), content: row.content, contentLength: row.content_length } : null;
      }
    });
    return out;
  }

  async recordAttemptError(ref: VersionRef, error: string, status?: "queued" | "processing"): Promise<void> {
    await this.db
      .prepare(
        `UPDATE documents SET error = ?5, status = COALESCE(?6, status), updated_at = ${now}
         WHERE tenant_id = ?1 AND id = ?2 AND version = ?3 AND incarnation = ?4 AND status IN ('queued', 'processing')`,
      )
      .bind(...refParams(ref), error, status ?? null)
      .run();
  }

  async markFailed(ref: VersionRef, error: string): Promise<void> {
    await this.db
      .prepare(`UPDATE documents SET status = 'failed', error = ?5, updated_at = ${now} WHERE tenant_id = ?1 AND id = ?2 AND version = ?3 AND incarnation = ?4 AND status <> 'ready'`)
      .bind(...refParams(ref), error)
      .run();
  }

  async claimVectorSets(claims: readonly { ref: VersionRef; count: number }[]): Promise<boolean[]> {
    if (claims.length === 0) return [];
    const rounds = distinctRounds(claims, ({ ref }) => documentKeyOf(ref));
    const statements = rounds.flatMap((round) => {
      const refs = refRowsJson(round.map((i) => ({ ref: claims[i]!.ref, n: claims[i]!.count })));
      return [
        // Written before the vectors, and only while the version is current (see migrations/0005).
        // (The WHERE clause also keeps SQLite from reading ON CONFLICT as a join constraint.)
        this.db
          .prepare(
            `INSERT INTO vector_sets (tenant_id, document_id, version, incarnation, count)
             SELECT r.t, r.d, r.v, r.i, r.n FROM ${refRowsSql("?1")} AS r
             WHERE EXISTS (SELECT 1 FROM documents WHERE tenant_id = r.t AND id = r.d AND version = r.v AND incarnation = r.i)
             ON CONFLICT (tenant_id, document_id, incarnation, version) DO UPDATE SET
               writes = vector_sets.writes + 1, count = MAX(vector_sets.count, excluded.count), updated_at = ${now}
             RETURNING tenant_id, document_id`,
          )
          .bind(refs),
        // The documents' heartbeat: the sweeper leaves documents alone while they move.
        this.db
          .prepare(
            `UPDATE documents SET updated_at = ${now} FROM ${refRowsSql("?1")} AS r
             WHERE documents.tenant_id = r.t AND documents.id = r.d AND documents.version = r.v AND documents.incarnation = r.i AND +documents.status = 'processing'`,
          )
          .bind(refs),
      ];
    });
    const results = await this.db.batch<{ tenant_id: string; document_id: string }>(statements);
    const claimed = claims.map(() => false);
    rounds.forEach((round, r) => {
      const written = new Set((results[2 * r]?.results ?? []).map((row) => documentKeyOf({ tenantId: row.tenant_id, documentId: row.document_id })));
      for (const i of round) claimed[i] = written.has(documentKeyOf(claims[i]!.ref));
    });
    return claimed;
  }

  async insertChunks(items: readonly { ref: VersionRef; chunks: readonly ChunkInput[] }[]): Promise<void> {
    // Rows of every document travel together as one JSON parameter per statement
    // (D1 allows 100 bound parameters but 100 KB per statement), each row with its version.
    const rows = items.flatMap(({ ref, chunks }) =>
      chunks.map((chunk) =>
        JSON.stringify([
          ref.tenantId,
          ref.documentId,
          ref.version,
          ref.incarnation,
          chunk.id,
          chunk.seq,
          chunk.title,
          chunk.heading,
          chunk.text,
          chunk.start,
          chunk.end,
          chunk.tokenCount,
          chunk.page ?? null,
          chunk.pageEnd ?? null,
        ]),
      ),
    );
    const statements = packRows(rows, maxRowsJsonBytes).map((group) =>
      // OR IGNORE + deterministic ids: a redelivered message cannot duplicate rows.
      // The EXISTS guard drops rows of a version that was superseded, deleted or re-created meanwhile.
      this.db
        .prepare(
          `INSERT OR IGNORE INTO chunks (id, tenant_id, document_id, version, seq, title, heading, text, start_offset, end_offset, token_count, page, page_end)
           SELECT json_extract(r.value, '$[4]'), json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'),
                  json_extract(r.value, '$[5]'), json_extract(r.value, '$[6]'), json_extract(r.value, '$[7]'), json_extract(r.value, '$[8]'),
                  json_extract(r.value, '$[9]'), json_extract(r.value, '$[10]'), json_extract(r.value, '$[11]'),
                  json_extract(r.value, '$[12]'), json_extract(r.value, '$[13]')
           FROM json_each(?1) AS r
           WHERE EXISTS (SELECT 1 FROM documents WHERE tenant_id = json_extract(r.value, '$[0]') AND id = json_extract(r.value, '$[1]')
                           AND version = json_extract(r.value, '$[2]') AND incarnation = json_extract(r.value, '$[3]'))`,
        )
        .bind(`[${group.join(",")}]`),
    );
    for (const group of packStatements(statements)) await this.db.batch(group);
  }

  async activateVersions(items: readonly { ref: VersionRef; chunkCount: number }[]): Promise<boolean[]> {
    if (items.length === 0) return [];
    const perRound = 7;
    const r = refRowsSql("?1");
    // Joins that select the items in each state (r: the item; a document row `x` matched to it).
    const isCurrent = "x.tenant_id = r.t AND x.id = r.d AND x.version = r.v AND x.incarnation = r.i";
    const isActivated = "x.tenant_id = r.t AND x.id = r.d AND x.incarnation = r.i AND x.active_version = r.v";
    // The same incarnation moved on to a newer version and this one is not active (see supersededVersionSql).
    const isSuperseded = "x.tenant_id = r.t AND x.id = r.d AND x.incarnation = r.i AND x.version > r.v AND x.active_version IS NOT r.v";
    const rounds = distinctRounds(items, ({ ref }) => documentKeyOf(ref));
    const statements = rounds.flatMap((round) => {
      const refs = refRowsJson(round.map((i) => ({ ref: items[i]!.ref, n: items[i]!.chunkCount })));
      return [
        // Rows past `chunkCount` can only come from an earlier attempt that chunked differently (a configuration change).
        this.db
          .prepare(
            `DELETE FROM chunks WHERE rowid IN (
               SELECT c.rowid FROM ${r} AS r CROSS JOIN documents AS x CROSS JOIN chunks AS c
               WHERE ${isCurrent} AND x.active_version IS NOT r.v
                 AND c.tenant_id = r.t AND c.document_id = r.d AND c.version = r.v AND c.seq >= r.n)`,
          )
          .bind(refs),
        // Visible only if still current and every chunk row is there: a document is never ready with rows missing.
        this.db
          .prepare(
            `UPDATE documents SET active_version = documents.version, status = 'ready', chunk_count = r.n, error = NULL, updated_at = ${now}
             FROM ${r} AS r
             WHERE documents.tenant_id = r.t AND documents.id = r.d AND documents.version = r.v AND documents.incarnation = r.i
               AND (SELECT COUNT(*) FROM chunks WHERE tenant_id = r.t AND document_id = r.d AND version = r.v) = r.n
             RETURNING tenant_id, id`,
          )
          .bind(refs),
        // Activated: every other set of the document is stale now (rows of older
        // versions written without a set get one first), and older versions' rows go.
        this.db
          .prepare(
            `INSERT OR IGNORE INTO vector_sets (tenant_id, document_id, incarnation, version, count, stale_at)
             SELECT c.tenant_id, c.document_id, x.incarnation, c.version, MAX(c.seq) + 1, ${now}
             FROM ${r} AS r CROSS JOIN documents AS x CROSS JOIN chunks AS c
             WHERE ${isActivated} AND c.tenant_id = r.t AND c.document_id = r.d AND c.version < r.v
             GROUP BY c.tenant_id, c.document_id, c.version`,
          )
          .bind(refs),
        this.db
          .prepare(
            `UPDATE vector_sets AS s SET stale_at = COALESCE(s.stale_at, ${now})
             FROM (SELECT r.t, r.d FROM ${r} AS r CROSS JOIN documents AS x WHERE ${isActivated}) AS a
             WHERE s.tenant_id = a.t AND s.document_id = a.d AND NOT EXISTS (${liveSetSql})`,
          )
          .bind(refs),
        this.db
          .prepare(
            `DELETE FROM chunks WHERE rowid IN (
               SELECT c.rowid FROM ${r} AS r CROSS JOIN documents AS x CROSS JOIN chunks AS c
               WHERE ${isActivated} AND c.tenant_id = r.t AND c.document_id = r.d AND c.version < r.v)`,
          )
          .bind(refs),
        // Superseded by a newer version of the same incarnation: this version's set is stale and its own rows go, and only them.
        // (Deleted or re-created: its rows were deleted with the document, or never written.)
        this.db
          .prepare(
            `UPDATE vector_sets SET stale_at = COALESCE(vector_sets.stale_at, ${now})
             FROM (SELECT r.t, r.d, r.v, r.i FROM ${r} AS r CROSS JOIN documents AS x WHERE ${isSuperseded}) AS o
             WHERE vector_sets.tenant_id = o.t AND vector_sets.document_id = o.d AND vector_sets.version = o.v AND vector_sets.incarnation = o.i`,
          )
          .bind(refs),
        this.db
          .prepare(
            `DELETE FROM chunks WHERE rowid IN (
               SELECT c.rowid FROM ${r} AS r CROSS JOIN documents AS x CROSS JOIN chunks AS c
               WHERE ${isSuperseded} AND c.tenant_id = r.t AND c.document_id = r.d AND c.version = r.v)`,
          )
          .bind(refs),
      ];
    });
    const results = await this.db.batch<{ tenant_id: string; id: string }>(statements);
    const activated = items.map(() => false);
    rounds.forEach((round, k) => {
      const done = new Set((results[perRound * k + 1]?.results ?? []).map((row) => documentKeyOf({ tenantId: row.tenant_id, documentId: row.id })));
      for (const i of round) activated[i] = done.has(documentKeyOf(items[i]!.ref));
    });
    return activated;
  }


  async documentsWithStaleSets(documents: readonly { tenantId: string; documentId: string }[], options: { claimedBefore: string }): Promise<{ tenantId: string; documentId: string }[]> {
    if (documents.length === 0) return [];
    const statements = chunked(documents, Math.floor((maxParams - 1) / 2)).map((group) =>
      this.db
        .prepare(
          `SELECT DISTINCT s.tenant_id, s.document_id FROM vector_sets s
           JOIN (VALUES ${group.map((_, i) => `(?${2 * i + 2}, ?${2 * i + 3})`).join(", ")}) AS wanted ON wanted.column1 = s.tenant_id AND wanted.column2 = s.document_id
           WHERE (s.purged_writes IS NOT s.writes OR s.updated_at < ?1) AND NOT EXISTS (${liveSetSql})`,
        )
        .bind(options.claimedBefore, ...group.flatMap((doc) => [doc.tenantId, doc.documentId])),
    );
    const results = await this.db.batch<{ tenant_id: string; document_id: string }>(statements);
    return results.flatMap((result) => result.results.map((row) => ({ tenantId: row.tenant_id, documentId: row.document_id })));
  }

  async isCurrent(ref: VersionRef): Promise<boolean> {
    const row = await this.db.prepare(`SELECT 1 AS current WHERE EXISTS (${currentVersionSql})`).bind(...refParams(ref)).first<{ current: number }>();
    return row !== null;
  }

  async staleVectorSets(
    scope: { tenantId?: string; documentId?: string },
    limit: number,
    options: { claimedBefore: string; includeUnmarked?: boolean },
  ): Promise<VectorSet[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (scope.tenantId !== undefined) {
      conditions.push("s.tenant_id = ?");
      params.push(scope.tenantId);
    }
    if (scope.documentId !== undefined) {
      conditions.push("s.document_id = ?");
      params.push(scope.documentId);
    }
    // Beyond one document, only sets marked stale are looked at (an index, not
    // a scan of every set), unless a full audit asks for the unmarked ones too.
    const marked = scope.documentId === undefined && !options.includeUnmarked;
    if (marked) conditions.push("s.stale_at IS NOT NULL");
    // A set whose ids were deleted since its last claim has nothing to do until its lease is over.
    conditions.push("(s.purged_writes IS NOT s.writes OR s.updated_at < ?)");
    params.push(options.claimedBefore);
    const { results } = await this.db
      .prepare(
        `SELECT s.tenant_id, s.document_id, s.incarnation, s.version, s.count, s.writes, s.purged_writes, s.updated_at FROM vector_sets s
         WHERE ${conditions.join(" AND ")} AND NOT EXISTS (${liveSetSql})
         ORDER BY ${marked ? "s.stale_at" : "s.updated_at"} LIMIT ?`,
      )
      .bind(...params, limit)
      .all<VectorSetRow>();
    return results.map(toVectorSet);
  }

  async vectorSet(ref: VersionRef): Promise<(VectorSet & { live: boolean }) | null> {
    const row = await this.db
      .prepare(
        `SELECT s.tenant_id, s.document_id, s.incarnation, s.version, s.count, s.writes, s.purged_writes, s.updated_at, EXISTS (${liveSetSql}) AS live
         FROM vector_sets s WHERE s.tenant_id = ? AND s.document_id = ? AND s.version = ? AND s.incarnation = ?`,
      )
      .bind(...refParams(ref))
      .first<VectorSetRow & { live: number }>();
    return row ? { ...toVectorSet(row), live: row.live === 1 } : null;
  }

  async markVectorSetPurged(set: VectorSet): Promise<void> {
    await this.db
      .prepare("UPDATE vector_sets SET purged_writes = ?5 WHERE tenant_id = ?1 AND document_id = ?2 AND version = ?3 AND incarnation = ?4 AND writes = ?5")
      .bind(...refParams(set.ref), set.writes)
      .run();
  }

  async dropVectorSet(set: VectorSet, claimedBefore: string): Promise<boolean> {
    const [, drop] = await this.db.batch<{ version: number }>([
      this.db.prepare(`DELETE FROM chunks WHERE tenant_id = ?1 AND document_id = ?2 AND version = ?3 AND EXISTS (${supersededVersionSql})`).bind(...refParams(set.ref)),
      this.db
        .prepare(
          `DELETE FROM vector_sets AS s WHERE s.tenant_id = ?1 AND s.document_id = ?2 AND s.version = ?3 AND s.incarnation = ?4
             AND s.writes = ?5 AND s.updated_at < ?6 AND NOT EXISTS (${liveSetSql})
           RETURNING version`,
        )
        .bind(...refParams(set.ref), set.writes, claimedBefore),
    ]);
    return (drop?.results.length ?? 0) > 0;
  }

  async keywordSearch(
    tenantId: string,
    ftsQuery: string,
    options: { limit: number; filter?: VectorizeVectorMetadataFilter; weights: ColumnWeights },
  ): Promise<KeywordHit[]> {
    const { weights, limit } = options;
    const filter = options.filter ? compileMetadataFilterToSql(options.filter, filterableMetadataSql, { maxParams: filterSqlParamBudget }) : undefined;
    const filterSql = filter ? `AND (${filter.sql})` : "";
    // FTS5 itself keeps to the tenant's rows (its first column); the SQL
    // predicate below says it again, so isolation never rests on one check.
    const match = tenantScopedFtsMatch(tenantId, ftsQuery);
    const run = async (candidates: number | null) => {
      // Ranking inside FTS5 first and joining only the best candidates is ~9×
      // faster at 100k chunks than joining every match before sorting. The
      // join order is pinned (CROSS JOIN; `+` keeps the tenant index out of
      // play): newer SQLite versions otherwise drive the join from every
      // chunk of the tenant, probing the candidates (measured 4× slower at
      // 100k with SQLite 3.53).
      const ranked = `SELECT rowid AS rid, bm25(chunks_fts, 0, ?, ?, ?) AS score FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score${candidates === null ? "" : " LIMIT ?"}`;
      const { results } = await this.db
        .prepare(
          `WITH ranked AS (${ranked})
           SELECT ${visibleChunkColumns}, ranked.score AS bm25
           FROM ranked
           CROSS JOIN chunks c ON c.rowid = ranked.rid
           ${visibleJoin}
           WHERE +c.tenant_id = ? ${filterSql}
           ORDER BY ranked.score
           LIMIT ?`,
        )
        .bind(weights.title, weights.heading, weights.text, match, ...(candidates === null ? [] : [candidates]), tenantId, ...(filter?.params ?? []), limit)
        .all<ChunkRow & { bm25: number }>();
      return results;
    };
    const candidates = Math.max(200, limit * 10);
    let rows = await run(candidates);
    // Stale versions or a selective filter can leave fewer than `limit` of the
    // best candidates: then rank every match (the same result, just slower).
    if (rows.length < limit) rows = await run(null);
    return rows.map((row) => ({ ...toVisibleChunk(row), bm25: row.bm25 }));
  }

  async visibleChunks(tenantId: string, ids: string[]): Promise<VisibleChunk[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    // One round trip however many ids: groups of ≤ 99 ids (100 bound parameters) in one batch.
    const statements = chunked(unique, maxParams - 1).map((group) =>
      this.db
        // `+c.tenant_id` keeps SQLite on the unique id index (not the tenant's every chunk); the tenant check still applies.
        .prepare(`SELECT ${visibleChunkColumns} FROM chunks c ${visibleJoin} WHERE +c.tenant_id = ? AND c.id IN (${placeholders(group.length)})`)
        .bind(tenantId, ...group),
    );
    const found = new Map<string, VisibleChunk>();
    const results = statements.length === 1 ? [await statements[0]!.all<ChunkRow>()] : await this.db.batch<ChunkRow>(statements);
    for (const result of results) for (const row of result.results) found.set(row.chunk_id, toVisibleChunk(row));
    return ids.flatMap((id) => {
      const chunk = found.get(id);
      return chunk ? [chunk] : [];
    });
  }

  async findUnfinished(before: string, limit: number): Promise<UnfinishedDocument[]> {
    const { results } = await this.db
      .prepare(
        `SELECT tenant_id, id, version, incarnation, status, updated_at FROM documents
         WHERE status IN ('queued', 'processing') AND updated_at < ?
           AND tenant_id NOT IN (SELECT id FROM tenants WHERE deleted_at IS NOT NULL)
         ORDER BY updated_at LIMIT ?`,
      )
      .bind(before, limit)
      .all<{ tenant_id: string; id: string; version: number; incarnation: string; status: "queued" | "processing"; updated_at: string }>();
    return results.map((row) => ({
      ref: { tenantId: row.tenant_id, documentId: row.id, version: row.version, incarnation: row.incarnation },
      status: row.status,
      updatedAt: row.updated_at,
    }));
  }

  async touch(ref: VersionRef): Promise<void> {
    await this.db.prepare(`UPDATE documents SET updated_at = ${now} WHERE tenant_id = ? AND id = ? AND version = ? AND incarnation = ?`).bind(...refParams(ref)).run();
  }

  async backlog(tenantId: string): Promise<number> {
    const row = await this.db
      .prepare("SELECT COUNT(*) AS n FROM documents WHERE tenant_id = ? AND status IN ('queued', 'processing')")
      .bind(tenantId)
      .first<{ n: number }>();
    return row?.n ?? 0;
  }

  async requeueFailed(tenantId: string, options: { ids?: string[]; limit: number }): Promise<VersionRef[]> {
    const ids = options.ids;
    if (ids !== undefined && ids.length === 0) return [];
    if (ids !== undefined && ids.length > maxParams - 2) throw new Error(`requeueFailed takes at most ${maxParams - 2} ids`);
    // Numbered from ?3: a bare `?` after ?1/?2 would take the number 3 only by position in the text, not in the bindings.
    const idFilter = ids === undefined ? "" : `AND id IN (${ids.map((_, i) => `?${i + 3}`).join(", ")})`;
    const { results } = await this.db
      .prepare(
        `UPDATE documents SET status = 'queued', error = NULL, attempts = 0, updated_at = ${now}
         WHERE tenant_id = ?1 AND id IN (SELECT id FROM documents WHERE tenant_id = ?1 AND status = 'failed' ${idFilter} ORDER BY id LIMIT ?2)
         RETURNING id, version, incarnation`,
      )
      .bind(tenantId, options.limit, ...(ids ?? []))
      .all<{ id: string; version: number; incarnation: string }>();
    return results.map((row) => ({ tenantId, documentId: row.id, version: row.version, incarnation: row.incarnation }));
  }

  async stats(tenantId: string): Promise<IndexStats> {
    const { results } = await this.db
      .prepare("SELECT status, COUNT(*) AS documents, SUM(CASE WHEN status = 'ready' THEN chunk_count ELSE 0 END) AS chunks FROM documents WHERE tenant_id = ? GROUP BY status")
      .bind(tenantId)
      .all<{ status: DocumentStatus; documents: number; chunks: number }>();
    const documents = { queued: 0, processing: 0, ready: 0, failed: 0, total: 0 };
    let chunks = 0;
    for (const row of results) {
      documents[row.status] = row.documents;
      documents.total += row.documents;
      chunks += row.chunks;
    }
    return { documents, chunks };
  }

  async getSetting(key: string): Promise<string | null> {
    const row = await this.db.prepare("SELECT value FROM index_settings WHERE key = ?").bind(key).first<{ value: string }>();
    return row?.value ?? null;
  }

  async getSettings(keys: string[]): Promise<Record<string, string>> {
    if (keys.length === 0) return {};
    const { results } = await this.db
      .prepare(`SELECT key, value FROM index_settings WHERE key IN (${placeholders(keys.length)})`)
      .bind(...keys)
      .all<{ key: string; value: string }>();
    return Object.fromEntries(results.map((row) => [row.key, row.value]));
  }

  async putSetting(key: string, value: string | null): Promise<void> {
    if (value === null) await this.db.prepare("DELETE FROM index_settings WHERE key = ?").bind(key).run();
    else await this.db.prepare("INSERT INTO index_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").bind(key, value).run();
  }

  async initSetting(key: string, value: string): Promise<string> {
    const [, read] = await this.db.batch<{ value: string }>([
      this.db.prepare("INSERT OR IGNORE INTO index_settings (key, value) VALUES (?, ?)").bind(key, value),
      this.db.prepare("SELECT value FROM index_settings WHERE key = ?").bind(key),
    ]);
    return read!.results[0]!.value;
  }
}

function toRecord(row: DocumentRow): DocumentRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    title: row.title,
    // An uploaded PDF's row says 'text' (see migrations/0006).
    format: row.original_format ?? row.format,
    sourceUrl: row.source_url,
    metadata: parseMetadata(row.metadata),
    contentHash: row.content_hash,
    version: row.version,
    incarnation: row.incarnation,
    activeVersion: row.active_version,
    chunkCount: row.chunk_count,
    status: row.status,
    error: row.error,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    original:
      row.original_key === null
        ? null
        : { key: row.original_key, format: row.original_format ?? row.format, bytes: row.original_bytes ?? 0, filename: row.original_name ?? "" },
  };
}

interface VectorSetRow {
  tenant_id: string;
  document_id: string;
  incarnation: string;
  version: number;
  count: number;
  writes: number;
  purged_writes: number | null;
  updated_at: string;
}

function toVectorSet(row: VectorSetRow): VectorSet {
  return {
    ref: { tenantId: row.tenant_id, documentId: row.document_id, version: row.version, incarnation: row.incarnation },
    count: row.count,
    writes: row.writes,
    purgedWrites: row.purged_writes,
    claimedAt: row.updated_at,
  };
}

/** Binds a VersionRef as ?1 tenant, ?2 document, ?3 version, ?4 incarnation. */
function refParams(ref: VersionRef): [string, string, number, string] {
  return [ref.tenantId, ref.documentId, ref.version, ref.incarnation];
}

function toVisibleChunk(row: ChunkRow): VisibleChunk {
  return {
    chunkId: row.chunk_id,
    documentId: row.document_id,
    seq: row.seq,
    title: row.title,
    heading: row.heading,
    text: row.text,
    sourceUrl: row.source_url,
    metadata: parseMetadata(row.metadata),
    page: row.page,
    pageEnd: row.page_end,
  };
}

function parseMetadata(json: string): DocumentMetadata {
  const value: unknown = JSON.parse(json);
  return value && typeof value === "object" && !Array.isArray(value) ? (value as DocumentMetadata) : {};
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => "?").join(", ");
}

/** Bytes of JSON rows one statement binds: a conservative bound that keeps every statement small (D1 allows 100 KB of SQL and 2 MB per value). */
const maxRowsJsonBytes = 90_000;
/** Statements per db.batch() call. */
const maxStatementsPerBatch = 500;

/** Groups serialised rows so each group's JSON stays under `maxBytes` (a larger row goes alone). */
function packRows(rows: readonly string[], maxBytes: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const size = utf8Length(row) + 1;
    if (current.length > 0 && bytes + size > maxBytes) {
      groups.push(current);
      current = [];
      bytes = 2;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function packStatements(statements: readonly D1PreparedStatement[]): D1PreparedStatement[][] {
  return chunked(statements, maxStatementsPerBatch);
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
