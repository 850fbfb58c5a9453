/** The one error type the local vector store throws for things a caller can fix or should know about. */

export type VectorStoreErrorKind = "invalid" | "not_found" | "conflict";

/** A caller mistake (`invalid`), a missing index (`not_found`) or a clashing index (`conflict`). */
export class VectorStoreError extends Error {
  override name = "VectorStoreError";
  constructor(
    readonly kind: VectorStoreErrorKind,
    message: string,
  ) {
    super(message);
  }
}
