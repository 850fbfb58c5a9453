/**
 * Reads a JSON request body with a size limit and validates it with zod.
 * Malformed JSON, invalid UTF-8, a wrong content type and schema violations
 * all become 4xx errors with a message naming the problem.
 *
 * A body that is rejected for its size is still read to its end (and
 * discarded, never buffered), up to `maxDiscardBytes`, before the 413 is
 * answered: workerd closes a keep-alive connection whose request body was
 * left unread, and with megabytes of the body still in flight the client
 * sees the connection reset (ECONNRESET) instead of the 413, and the next
 * request on that connection can fail. `discardBody` does the same for
 * bodies no handler read (the error handler calls it).
 */
import type { Context } from "hono";
import type { z } from "zod";
import { AppError } from "../../src/core/errors.js";

export async function readJson<Schema extends z.ZodType>(c: Context, schema: Schema, options: { maxBytes: number }): Promise<z.output<Schema>> {
  const contentType = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(contentType.trim())) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "send the body as JSON with `Content-Type: application/json`");
  }
  const text = await readText(c.req.raw, options.maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("INVALID_JSON", "the request body is not valid JSON");
  }
  return validate(schema, value);
}

export function validate<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 20).map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
  const first = issues[0]!;
  throw new AppError("VALIDATION_FAILED", first.path ? `${first.path}: ${first.message}` : first.message, { details: issues });
}

/**
 * Bodies up to this size are read to their end when rejected (see the module
 * comment): above every route's limit (20 MiB for a batch), and small enough
 * that reading it costs little. A larger body is not read: the connection is
 * then closed by the runtime (the client may see a reset, not the 413).
 */
export const maxDiscardBytes = 32 * 1024 * 1024;

/**
 * Reads and drops a request body nobody read, up to `maxDiscardBytes`, so the
 * response reaches the client and the connection can serve the next request.
 * Does nothing for a body already read or being read, or one declared larger
 * than the bound.
 */
export async function discardBody(request: Request): Promise<void> {
  const body = request.body;
  if (!body || request.bodyUsed || body.locked) return;
  if (declaredLength(request) > maxDiscardBytes) return;
  await discardRest(body.getReader(), 0);
}

async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead: number): Promise<void> {
  let total = alreadyRead;
  try {
    while (total <= maxDiscardBytes) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The client went away mid-body: there is no connection left to keep.
  }
}

function declaredLength(request: Request): number {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  return Number.isFinite(declared) ? declared : 0;
}

async function readText(request: Request, maxBytes: number): Promise<string> {
  if (!request.body && declaredLength(request) <= maxBytes) throw new AppError("INVALID_JSON", "the request body is empty");
  const bytes = await readBytes(request, maxBytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AppError("INVALID_JSON", "the request body is not valid UTF-8");
  }
}

/**
 * Reads a request body of at most `maxBytes` (a larger one is a 413, read to
 * its end and discarded, see the module comment); an absent body reads as
 * no bytes.
 */
export async function readBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (declaredLength(request) > maxBytes) {
    await discardBody(request);
    throw tooLarge(maxBytes);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await discardRest(reader, total);
      throw tooLarge(maxBytes);
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `the request body exceeds ${formatBytes(maxBytes)}`);
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
