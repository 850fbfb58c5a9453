/**
 * Port: the ingestion queue. Messages are small references; the document
 * itself is in D1 before its message is sent.
 */

export type IngestMessage =
  /**
   * Process `version` of a stored document (parse, chunk, embed, index).
   * `incarnation` pins the message to one incarnation of the document (absent
   * in messages from before incarnations existed: any incarnation).
   * `deferrals` counts how often it was put back while a provider was down.
   */
  | { kind: "ingest"; tenant_id: string; document_id: string; version: number; incarnation?: string; deferrals?: number }
  /** Purge the vectors of a document's stale vector sets (after a delete, or a lost race). */
  | { kind: "reconcile-document"; tenant_id: string; document_id: string }
  /** Legacy (before vector sets): remove these vectors of a deleted document. Still accepted. */
  | { kind: "purge-vectors"; tenant_id: string; document_id: string; ids: string[] }
  /** Remove everything of a deleted tenant, a slice per message (it re-queues itself until done). */
  | { kind: "purge-tenant"; tenant_id: string }
  /** Delete these uploaded files (originals store) that no row names any more, when deleting them at once failed. */
  | { kind: "delete-originals"; tenant_id: string; keys: string[] }
  /** Website sources: find the pages of sync `sync` of a source and queue one `source-page` per page (services/sources/website-sources.ts). */
  | { kind: "source-discover"; tenant_id: string; source_id: string; sync: number }
  /** Website sources: fetch one page of sync `sync` and submit it as a document. */
  | { kind: "source-page"; tenant_id: string; source_id: string; url: string; sync: number };

export interface IngestQueue {
  /** Sends messages, all delivered no sooner than `delaySeconds` from now when given. */
  send(messages: IngestMessage[], options?: { delaySeconds?: number }): Promise<void>;
}
