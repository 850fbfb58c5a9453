/**
 * Set-based statements for the write paths that handle a whole queue batch.
 *
 * A batch's versions travel as one JSON parameter (`[tenant, document,
 * version, incarnation, n]` per item) and each statement joins against
 * `json_each` of it, so activating 100 documents costs 7 statements, not
 * 700: fewer statements for D1 to run (and to count against its queries per
 * invocation), and one parameter instead of up to 100.
 *
 * Every statement touches only rows of its item's own document, so items of
 * *different* documents commute and may share a statement. Items of the same
 * document (two versions of one document in one batch, or a redelivered
 * duplicate) must keep their order: `distinctRounds` splits them into rounds
 * in which every document appears once, and the rounds run in order.
 */
import type { VersionRef } from "../../ports/document-store.js";

/** A subquery yielding columns `t, d, v, i, n` from the JSON array bound at `param`. */
export function refRowsSql(param: string): string {
  return `(SELECT json_extract(value, '$[0]') AS t, json_extract(value, '$[1]') AS d, json_extract(value, '$[2]') AS v,
            json_extract(value, '$[3]') AS i, json_extract(value, '$[4]') AS n FROM json_each(${param}))`;
}

/** The JSON parameter for `refRowsSql`: one `[tenant, document, version, incarnation, n]` per item. */
export function refRowsJson(items: readonly { ref: Pick<VersionRef, "tenantId" | "documentId" | "version"> & { incarnation: string | null }; n?: number | null }[]): string {
  return JSON.stringify(items.map(({ ref, n }) => [ref.tenantId, ref.documentId, ref.version, ref.incarnation, n ?? null]));
}

/**
 * Splits `items` into consecutive rounds in which no document appears twice,
 * keeping each document's items in their original order (item k of a
 * document goes to round k). Returns the indexes into `items`.
 */
export function distinctRounds<T>(items: readonly T[], documentKey: (item: T) => string): number[][] {
  const rounds: number[][] = [];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const key = documentKey(item);
    const round = seen.get(key) ?? 0;
    seen.set(key, round + 1);
    (rounds[round] ??= []).push(index);
  });
  return rounds;
}

/** The key that tells documents apart (tenant and id). */
export function documentKeyOf(ref: { tenantId: string; documentId: string }): string {
  // Length-prefixed, so distinct pairs never share a key (and cheaper than JSON for every row of a batch).
  return `${ref.tenantId.length}:${ref.tenantId}:${ref.documentId}`;
}
