/**
 * Port: where the answer cache keeps its entries. One implementation (D1,
 * `adapters/cloudflare/d1-answer-cache-store.ts`, migrations/0008), used in
 * both modes. Every method takes the tenant id and scopes its SQL by it.
 *
 * The content version is the tenant's counter that every change to what its
 * searches see bumps, in the same write (see the migration). An entry is only
 * ever found under the version it was stored with, and only while that
 * version is the tenant's current one.
 */

/** What a lookup asks for: the question (normalised), its LSH bands, the settings' scope, the time. */
export interface AnswerCacheQuery {
  tenantId: string;
  scope: string;
  question: string;
  bands: readonly string[];
  now: number;
  /** Most near-duplicate candidates to return (the exact question is returned besides). */
  maxCandidates: number;
}

export interface AnswerCacheCandidate {
  id: string;
  question: string;
}

export interface AnswerCacheLookup {
  /** The tenant's content version as the lookup read it (0 before the first change). */
  contentVersion: number;
  /** The live entry for the exact question, with its payload; null when none. */
  exact: { id: string; payload: string } | null;
  /** Live entries sharing at least one band, most shared bands first (without payloads). */
  candidates: AnswerCacheCandidate[];
}

export interface AnswerCacheEntry {
  tenantId: string;
  id: string;
  scope: string;
  /** The content version read before the answer was computed. */
  contentVersion: number;
  question: string;
  bands: readonly string[];
  payload: string;
  now: number;
  expiresAt: number;
  /** Entries the tenant may keep; the oldest beyond it are evicted. */
  maxEntries: number;
  /** Nothing is stored until the tenant's content version is this old (ms): the vector index may still be applying the change. */
  settleMs: number;
}

export interface AnswerCacheStore {
  lookup(query: AnswerCacheQuery): Promise<AnswerCacheLookup>;
  /** The payload of a live entry under the tenant's current content version, or null (gone, expired or stale). */
  payload(tenantId: string, id: string, now: number): Promise<string | null>;
  /**
   * Stores an entry unless its content version is no longer current (the
   * content changed while it was computed) or an entry with its id exists
   * (a racing identical miss); drops the tenant's stale and expired entries
   * and evicts the oldest beyond `maxEntries`. Returns whether it was stored.
   */
  store(entry: AnswerCacheEntry): Promise<boolean>;
  /** Deletes every entry of the tenant; returns how many there were. */
  purge(tenantId: string): Promise<number>;
}
