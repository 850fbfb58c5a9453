/**
 * Request ids: the `X-Request-Id` a client sends is kept only when it is
 * short and safe to echo into headers and logs (at most 128 characters of
 * `A-Z a-z 0-9 . _ : -`); anything else — empty, too long, spaces, quotes,
 * control or non-ASCII characters — is replaced by a freshly generated id.
 * Pure: the generator is injectable, the default is a random UUID.
 */

/** Longest client-supplied request id that is accepted. */
export const maxRequestIdLength = 128;

const safeRequestId = /^[A-Za-z0-9._:-]+$/;

/** True when `value` may be used as a request id as it is. */
export function isAcceptableRequestId(value: string | null | undefined): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= maxRequestIdLength && safeRequestId.test(value);
}

/** A new random request id (a UUID v4). */
export function generateRequestId(): string {
  return crypto.randomUUID();
}

/**
 * The request id to use for a request: the client's `incoming` value when it
 * is acceptable, else a new one from `generate`.
 */
export function resolveRequestId(incoming: string | null | undefined, generate: () => string = generateRequestId): string {
  return isAcceptableRequestId(incoming) ? incoming : generate();
}
