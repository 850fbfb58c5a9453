/**
 * Helpers for tests that drive the worker through its own fetch handler
 * (routes, queue consumer and D1 all real, inside workerd).
 */
import { SELF, env } from "cloudflare:test";
import { expect, vi } from "vitest";
import { AppError } from "../src/core/errors.js";

export const apiKey = "local-dev-key";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Calls the API with the local admin key; JSON in and out. */
export async function api<T = any>(method: string, path: string, body?: unknown, init: { headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, ...init.headers };
  let payload: string | undefined;
  if (body !== undefined) {
    headers["content-type"] ??= "application/json";
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await SELF.fetch(`http://edge-rag.test${path}`, { method, headers, body: payload });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (e.g. SSE); keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Waits until the document leaves queued/processing and returns it. */
export async function waitForDocument(id: string, options: { status?: string; timeout?: number } = {}): Promise<any> {
  let last: any;
  await vi.waitUntil(
    async () => {
      const response = await api("GET", `/v1/documents/${encodeURIComponent(id)}`);
      last = response.body;
      if (response.status !== 200) return false;
      if (options.status) return last.status === options.status;
      return last.status === "ready" || last.status === "failed";
    },
    { timeout: options.timeout ?? 30_000, interval: 100 },
  );
  return last;
}

/** Ingests documents and waits until each is ready. */
export async function ingest(documents: { id: string; title?: string; content: string; format?: string; metadata?: Record<string, unknown>; source_url?: string }[]): Promise<void> {
  const response = await api("POST", "/v1/documents/batch", { documents });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  for (const doc of documents) {
    const state = await waitForDocument(doc.id);
    expect(state.status, JSON.stringify(state)).toBe("ready");
  }
}

/** Parses an SSE body into events with JSON data. */
export function parseSseText(text: string): { event: string; data: any }[] {
  return text
    .split(/\n\n/)
    .map((frame) => frame.split("\n").filter((line) => !line.startsWith(":")))
    .filter((lines) => lines.some((line) => line.startsWith("data:")))
    .map((lines) => {
      const event = lines.find((line) => line.startsWith("event:"))?.slice(6).trim() ?? "message";
      const data = lines.filter((line) => line.startsWith("data:")).map((line) => line.slice(5).replace(/^ /, "")).join("\n");
      return { event, data: JSON.parse(data) };
    });
}

/** Makes the next `failures` embedding calls containing `match` fail with 503 (local services test hook). */
export async function injectEmbeddingFaults(match: string, failures: number): Promise<void> {
  const response = await env.LOCAL_SERVICES!.fetch("http://local/_test/faults", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ match, failures }),
  });
  expect(response.status).toBe(200);
}

/** Awaits a promise that must reject with an AppError, and returns the error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
