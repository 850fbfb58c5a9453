/**
 * Turns free text into a safe SQLite FTS5 MATCH expression for the keyword
 * leg. User text is never passed through as FTS5 syntax: it is reduced to
 * words, and each word becomes a quoted string, so operators (AND, NEAR, *,
 * ^, column filters, unbalanced quotes) in the input cannot cause a syntax
 * error or change the query's meaning.
 */
import { contentWords } from "../text/tokenize.js";

export interface FtsQueryOptions {
  /** Upper bound on distinct terms (long pasted questions stay cheap). Default 32. */
  maxTerms?: number;
}

/**
 * Builds an OR-of-terms FTS5 expression (documents need not contain every
 * word; bm25 ranks those that contain more, rarer ones first). Stopwords are
 * dropped unless the query consists only of stopwords. Returns `null` when the
 * text has no searchable word.
 */
export function buildFtsQuery(text: string, options: FtsQueryOptions = {}): string | null {
  const maxTerms = options.maxTerms ?? 32;
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const word of contentWords(text)) {
    if (seen.has(word)) continue;
    seen.add(word);
    terms.push(`"${word.replaceAll('"', '""')}"`);
    if (terms.length >= maxTerms) break;
  }
  return terms.length === 0 ? null : terms.join(" OR ");
}

/** The FTS5 columns that hold searchable text (the first column, `tenant_id`, is for scoping only). */
export const ftsTextColumns = ["title", "heading", "text"] as const;

/**
 * Scopes a `buildFtsQuery` expression to one tenant's rows: the tenant id must
 * match the `tenant_id` column, and the terms must match a text column. The
 * column filter on the terms matters: without it a word of the tenant id
 * (`default`, or the `t` of `t_…`) would match every row of the tenant
 * through its `tenant_id` column, with no ranking at all.
 */
export function tenantScopedFtsMatch(tenantId: string, ftsQuery: string): string {
  return `tenant_id : "${tenantId.replaceAll('"', '""')}" AND {${ftsTextColumns.join(" ")}} : (${ftsQuery})`;
}
