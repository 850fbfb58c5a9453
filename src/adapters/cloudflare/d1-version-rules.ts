/**
 * The SQL that decides, inside single statements, which rows and vector sets
 * belong to which version of which incarnation of a document. Shared by the
 * document store (which writes under these rules) and the consistency check
 * (which audits against the same rules), so the two cannot drift apart.
 */

export const now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/** With a VersionRef bound as ?1–?4: the document still has this version and incarnation. */
export const currentVersionSql = "SELECT 1 FROM documents WHERE tenant_id = ?1 AND id = ?2 AND version = ?3 AND incarnation = ?4";
/**
 * With a VersionRef bound as ?1–?4: the same incarnation moved on to a newer
 * version and this one is not the active one, so rows of this version belong
 * to this incarnation and are needed by no one. (After a delete or a
 * re-creation the same version number may belong to another incarnation:
 * those rows are never touched.)
 */
export const supersededVersionSql =
  "SELECT 1 FROM documents WHERE tenant_id = ?1 AND id = ?2 AND incarnation = ?4 AND version > ?3 AND active_version IS NOT ?3";
/** With a VersionRef bound as ?1–?4: the document has this version of this incarnation active. */
export const activatedSql = "SELECT 1 FROM documents WHERE tenant_id = ?1 AND id = ?2 AND incarnation = ?4 AND active_version = ?3";
/**
 * With a tenant and document bound as ?1, ?2: a stale set for each version
 * of the document whose rows have none (rows written by code older than
 * vector sets), so their vectors are accounted for before the rows go.
 * `extra` narrows the rows (bound parameters ?3, ?4 are available).
 */
export function adoptRowsSql(extra: string): string {
  return `INSERT OR IGNORE INTO vector_sets (tenant_id, document_id, incarnation, version, count, stale_at)
    SELECT c.tenant_id, c.document_id, d.incarnation, c.version, MAX(c.seq) + 1, ${now}
    FROM chunks c JOIN documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id
    WHERE c.tenant_id = ?1 AND c.document_id = ?2 ${extra}
    GROUP BY c.version`;
}
/** For a vector set `s`: its document (same incarnation) still has it as the current or the active version. */
export const liveSetSql =
  "SELECT 1 FROM documents d WHERE d.tenant_id = s.tenant_id AND d.id = s.document_id AND d.incarnation = s.incarnation AND (d.version = s.version OR d.active_version = s.version)";

