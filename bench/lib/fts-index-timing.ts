/**
 * How long D1 (SQLite FTS5 in workerd, through Miniflare) takes to build the
 * keyword index for a set of chunks, measured in a fresh database with the
 * project's real schema (migrations/): the chunk rows are loaded, then the
 * FTS5 index is rebuilt from them with the `'rebuild'` command — one
 * statement that re-tokenises and re-indexes every row, i.e. FTS5 indexing
 * alone. A throwaway database keeps the benchmark server's own index
 * untouched (a rebuilt index is merged into one segment, which would speed up
 * its later queries).
 *
 * Loading is not timed: from Node every D1 statement goes through Miniflare's
 * proxy (a few milliseconds each), which would measure the proxy rather than
 * SQLite. Rows are loaded with few, large statements (`json_each`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { applyMigrations } from "../../scripts/lib/local-server.js";

export interface FtsIndexTiming {
  rows: number;
  /** `INSERT INTO chunks_fts(chunks_fts) VALUES('rebuild')`: re-tokenises and re-indexes every row. */
  rebuildSeconds: number;
}

/** JSON per statement: under D1's ~2 MB limit for a bound string. */
const maxJsonChars = 1_000_000;

export async function timeFtsIndexing(
  chunks: readonly { id: string; title: string; text: string }[],
  migrationsDir: string,
): Promise<FtsIndexTiming> {
  const dir = mkdtempSync(join(tmpdir(), "edge-rag-fts-bench-"));
  const miniflare = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('') } }",
    d1Databases: { DB: "fts-bench" },
    d1Persist: join(dir, "d1"),
  });
  try {
    await miniflare.ready;
    const db = await miniflare.getD1Database("DB");
    await applyMigrations(db, migrationsDir);
    const insert = db.prepare(
      `INSERT INTO chunks (id, tenant_id, document_id, version, seq, title, heading, text, start_offset, end_offset, token_count)
       SELECT value ->> '$.id', 'default', value ->> '$.id', 1, 0, value ->> '$.title', '', value ->> '$.text', 0, length(value ->> '$.text'), 0
       FROM json_each(?)`,
    );
    let group: string[] = [];
    let size = 0;
    const flush = async () => {
      if (group.length > 0) await insert.bind(`[${group.join(",")}]`).run();
      group = [];
      size = 0;
    };
    for (const chunk of chunks) {
      const json = JSON.stringify({ id: chunk.id, title: chunk.title, text: chunk.text });
      if (size + json.length > maxJsonChars) await flush();
      group.push(json);
      size += json.length + 1;
    }
    await flush();

    const started = performance.now();
    await db.prepare("INSERT INTO chunks_fts (chunks_fts) VALUES ('rebuild')").run();
    const rebuildSeconds = (performance.now() - started) / 1000;

    const count = await db.prepare("SELECT COUNT(*) AS n FROM chunks").first<{ n: number }>();
    const indexed = await db.prepare("SELECT COUNT(*) AS n FROM chunks_fts WHERE chunks_fts MATCH 'the'").first<{ n: number }>();
    if (!indexed?.n) throw new Error("the FTS5 index is empty after the rebuild");
    return { rows: count?.n ?? 0, rebuildSeconds };
  } finally {
    await miniflare.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
