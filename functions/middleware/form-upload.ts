/**
 * Reads a file upload: a `multipart/form-data` body with one file part and
 * text parts, bounded in size, into the file's bytes, name and media type
 * plus the text fields validated with zod. Every problem is a 4xx naming it:
 * a body over the limit (413, read to its end and discarded first, as for
 * JSON bodies: see json-body.ts), a body that is not valid multipart (400),
 * a missing, repeated or misplaced part, an unknown field, JSON fields that
 * do not parse (400).
 */
import type { Context } from "hono";
import type { z } from "zod";
import { AppError } from "../../src/core/errors.js";
import { readBytes, validate } from "./json-body.js";

/** Room for the text fields, part headers and boundaries around the file. */
export const formOverheadBytes = 64 * 1024;
/** Longest file name kept (longer ones are cut). */
const maxFilenameLength = 255;

export interface UploadedFile {
  bytes: Uint8Array;
  /** The part's file name, without any directory, control characters or excess length ("" when none was sent). */
  filename: string;
  /** The part's media type ("" when none was sent). */
  mediaType: string;
}

export function isMultipart(contentType: string | undefined): boolean {
  return /^multipart\/form-data\b/i.test((contentType ?? "").trim());
}

/**
 * Reads the upload: `fileField` must be a file part (exactly one), every
 * other part a text part named once; `jsonFields` are parsed as JSON before
 * the text fields go through `schema`.
 */
export async function readFormUpload<Schema extends z.ZodType>(
  c: Context,
  schema: Schema,
  options: { fileField: string; jsonFields?: readonly string[]; maxFileBytes: number },
): Promise<{ file: UploadedFile; fields: z.output<Schema> }> {
  const contentType = c.req.header("content-type") ?? "";
  const maxBody = options.maxFileBytes + formOverheadBytes;
  let body: Uint8Array;
  try {
    body = await readBytes(c.req.raw, maxBody);
  } catch (error) {
    if (error instanceof AppError && error.code === "PAYLOAD_TOO_LARGE") {
      throw new AppError("PAYLOAD_TOO_LARGE", `the upload exceeds ${maxBody} bytes: files may have at most ${options.maxFileBytes} bytes (UPLOAD_MAX_BYTES)`);
    }
    throw error;
  }
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": contentType } }).formData();
  } catch {
    throw new AppError("BAD_REQUEST", "the body is not valid multipart/form-data (is the boundary in the Content-Type?)");
  }

  let file: File | undefined;
  const fields: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) {
    if (name === options.fileField) {
      if (typeof value === "string") throw new AppError("VALIDATION_FAILED", `${name}: must be a file part (curl: -F ${name}=@path/to/file)`);
      if (file) throw new AppError("VALIDATION_FAILED", `${name}: one file per request`);
      file = value;
      continue;
    }
    if (typeof value !== "string") throw new AppError("VALIDATION_FAILED", `${name}: must be a text field, not a file`);
    if (name in fields) throw new AppError("VALIDATION_FAILED", `${name}: sent more than once`);
    fields[name] = options.jsonFields?.includes(name) ? parseJsonField(name, value) : value;
  }
  if (!file) throw new AppError("VALIDATION_FAILED", `${options.fileField}: required (a file part named "${options.fileField}")`);
  const validated = validate(schema, fields);
  return {
    file: { bytes: new Uint8Array(await file.arrayBuffer()), filename: cleanFilename(file.name), mediaType: file.type },
    fields: validated,
  };
}

function parseJsonField(name: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new AppError("VALIDATION_FAILED", `${name}: not valid JSON`);
  }
}

function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  return base.replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, maxFilenameLength);
}
