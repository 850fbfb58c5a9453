/**
 * Port: the ingestion queue. Messages are small references; the document
 * itself is in D1 before its message is sent.
 */

export type IngestMessage =
  /** Process `version` of a stored document (parse, chunk, embed, index). */
  | { kind: "ingest"; tenant_id: string; document_id: string; version: number }
  /** Remove vectors of a deleted document (its rows are already gone from D1). */
  | { kind: "purge-vectors"; tenant_id: string; document_id: string; ids: string[] }
  /** Remove everything of a deleted tenant, a slice per message (it re-queues itself until done). */
  | { kind: "purge-tenant"; tenant_id: string };

export interface IngestQueue {
  send(messages: IngestMessage[]): Promise<void>;
}
