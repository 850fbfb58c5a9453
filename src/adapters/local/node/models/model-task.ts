/**
 * What the main thread asks the model thread to do, and how the answer comes
 * back (`model-thread.ts` sends, `model-thread-worker.ts` runs). One task is
 * one forward pass: a few texts to embed, or a few (query, passage) pairs to
 * score. Errors cross the thread boundary as `{name, message}`; an
 * `UnknownModelError` comes out as one again.
 */
import { UnknownModelError, type ModelRegistry } from "./model-registry.js";

export type ModelTask =
  | { kind: "embed"; model: string; texts: string[] }
  | { kind: "rerank"; model: string; query: string; passages: string[] };

/** Vectors for "embed", one score per passage for "rerank". */
export type ModelTaskResult<T extends ModelTask> = T extends { kind: "embed" } ? number[][] : number[];

export interface TaskRequest {
  id: number;
  task: ModelTask;
}

/**
 * Asks the thread to end: it finishes the tasks it was sent before (the
 * inference scheduler sends one pass per task, so that is the pass in
 * progress and any already queued), releases its models, and exits by itself. A thread must not be terminated
 * while onnxruntime-node runs a pass: the native addon then aborts the whole
 * process (SIGABRT, "terminate called after throwing an instance of
 * 'Napi::Error'"), not only the thread.
 */
export interface CloseRequest {
  close: true;
}

export type ThreadRequest = TaskRequest | CloseRequest;

export interface SerializedError {
  name: string;
  message: string;
}

export type TaskReply = { id: number; ok: true; result: number[][] | number[] } | { id: number; ok: false; error: SerializedError };

/** Runs one task on a registry (in the model thread; tests call it directly to compare). */
export async function runModelTask(registry: ModelRegistry, task: ModelTask): Promise<number[][] | number[]> {
  if (task.kind === "embed") return registry.resolve(task.model).embed(task.texts);
  return registry.resolveReranker(task.model).rerank(task.query, task.passages);
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

export function deserializeError(error: SerializedError): Error {
  if (error.name === "UnknownModelError") return new UnknownModelError(error.message);
  const result = new Error(error.message);
  result.name = error.name;
  return result;
}
