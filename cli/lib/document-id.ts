/**
 * Document ids for files, derived from the file's path relative to the
 * ingest base, so that ingesting the same folder again addresses the same
 * documents (a changed file becomes a new version of its document, not a new
 * document).
 *
 * Promises: the id is a valid API document id (see `documentIdSchema`);
 * the same path always gives the same id; two different paths never give the
 * same id (short of a 32-bit hash collision between two paths that are both
 * rewritten). A path made only of letters, digits and `. _ @ + = -` keeps its
 * name, with `/` shown as `:` (`guides/setup.md` → `guides:setup.md`); any
 * other path is rewritten to allowed characters and gets `~` and 8 hex digits
 * of its hash (`Read me!.md` → `Read-me-.md~1c0e…`), as does one longer than
 * 128 characters. `~` never appears in a kept name, so the two kinds never
 * meet.
 */
import { createHash } from "node:crypto";
import { documentIdSchema } from "../../functions/schemas.js";

const maxIdLength = 128;
const hashSuffixLength = 9; // "~" and 8 hex digits
/** Characters a path segment may keep as they are (`:` separates segments, `~` marks a hash). */
const keptSegment = /^[A-Za-z0-9._@+=-]+$/;
const startsWell = /^[A-Za-z0-9]/;

/**
 * The document id of the file at `relativePath` (`/`- or `\`-separated,
 * relative to the ingest base), with an optional `prefix` (e.g. `docs:`)
 * prepended as it is. Throws when the prefix itself is not allowed in ids.
 */
export function documentIdForPath(relativePath: string, prefix = ""): string {
  if (prefix !== "" && !documentIdSchema.safeParse(`${prefix}x`).success) {
    throw new Error(`the id prefix "${prefix}" may only hold letters, digits and . _ : @ ~ + = -, starting with a letter or digit`);
  }
  const segments = relativePath.split(/[\\/]+/).filter((segment) => segment !== "" && segment !== ".");
  if (segments.length === 0) throw new Error(`not a file path: "${relativePath}"`);
  const kept = prefix + segments.join(":");
  if (segments.every((segment) => keptSegment.test(segment)) && startsWell.test(kept) && kept.length <= maxIdLength) return kept;

  const hash = createHash("sha256").update(`${prefix}\u0000${segments.join("/")}`).digest("hex").slice(0, 8);
  const rewritten = segments.map(rewriteSegment).join(":");
  let body = prefix + (prefix === "" ? rewritten.replace(/^[^A-Za-z0-9]+/, "") : rewritten);
  if (body === "") body = "file";
  body = body.slice(0, maxIdLength - hashSuffixLength);
  return `${body}~${hash}`;
}

/** Accents dropped (`é` → `e`), every other run of disallowed characters turned into one `-`. */
function rewriteSegment(segment: string): string {
  return segment
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/[^A-Za-z0-9._@+=-]+/g, "-");
}
