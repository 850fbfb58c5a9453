/**
 * Reads a JSON request body with a size limit and validates it with zod.
 * Malformed JSON, invalid UTF-8, a wrong content type and schema violations
 * all become 4xx errors with a message naming the problem.
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

async function readText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) throw new AppError("INVALID_JSON", "the request body is empty");
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
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
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new AppError("INVALID_JSON", "the request body is not valid UTF-8");
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `the request body exceeds ${formatBytes(maxBytes)}`);
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
