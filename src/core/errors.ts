/**
 * Application errors with stable codes. The HTTP layer maps codes to statuses
 * through `statusForCode`; nothing else in the app picks status numbers.
 */

export const errorStatus = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** A URL the SSRF guard refuses (website sources: private hosts, other ports, credentials, ...). */
  URL_NOT_ALLOWED: 400,
  /** An uploaded file of a supported type that cannot be read (a corrupt or encrypted PDF, text that is not UTF-8). */
  UNPROCESSABLE_FILE: 422,
  RATE_LIMITED: 429,
  BUDGET_EXHAUSTED: 429,
  INGEST_BACKLOG_FULL: 429,
  INTERNAL: 500,
  MISCONFIGURED: 500,
  EMBEDDER_MISMATCH: 500,
  UPSTREAM_UNAVAILABLE: 503,
  /** The database is not migrated yet (starting up, or a deploy ahead of its migrations). */
  NOT_READY: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export function statusForCode(code: ErrorCode): number {
  return errorStatus[code];
}

/** An error whose message is safe to show to API clients. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  /** When the client may try again (sent as `Retry-After`), for 429 and 503 answers. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: unknown; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options?.details;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  get status(): number {
    return statusForCode(this.code);
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/**
 * A failure that will not go away by retrying (bad input, unparseable
 * document). Queue consumers ack these and mark the document failed.
 */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PermanentError";
  }
}

export function isPermanent(error: unknown): boolean {
  return error instanceof PermanentError || (error instanceof AppError && error.status < 500);
}
