/**
 * Orders local model work so that one request cannot starve the others.
 *
 * Every embedding or reranking request becomes a job, split into passes of
 * `passSize` texts (pairs); the scheduler gives the model thread one pass at
 * a time and picks the next pass only when the previous one is done.
 * Interactive jobs (a single query text, reranking) go before batch jobs
 * (document batches from ingestion): a query that arrives while a long batch
 * runs waits for at most the pass in progress. Within a priority, jobs run
 * first come, first served, each to its end. So that batches still progress
 * under a steady stream of queries, after `maxInteractiveStreak` interactive
 * passes in a row taken while a batch pass was waiting, one batch pass goes.
 *
 * Passes are consecutive groups of `passSize` from the start of a request,
 * the same groups the models formed themselves before this scheduler
 * existed, so results are the same as one direct call.
 *
 * A failing pass rejects its job (the rest of that job is dropped) and the
 * scheduler goes on with the next job.
 */
import type { ModelTask, ModelTaskResult } from "./model-task.js";

export type Priority = "interactive" | "batch";

/** What `betweenPasses` is told about the pass that just finished. */
export interface PassInfo {
  priority: Priority;
  kind: ModelTask["kind"];
  model: string;
  /** 0-based index of the pass in its job. */
  pass: number;
  passes: number;
  /** Whether the pass succeeded. */
  ok: boolean;
}

export interface InferenceSchedulerOptions {
  /** Runs one pass (the model thread). */
  run<T extends ModelTask>(task: T): Promise<ModelTaskResult<T>>;
  /** Texts (or pairs) per pass. Default 8. */
  passSize?: number;
  /** Interactive passes in a row while a batch pass waits, before one batch pass goes. Default 8. */
  maxInteractiveStreak?: number;
  /** Called when a request has been queued (tests wait for it instead of guessing). */
  onQueued?: (queued: Omit<PassInfo, "pass" | "ok">) => void;
  /**
   * Called after each pass and awaited before the next pass is chosen. Tests
   * hold the scheduler here to line up requests deterministically.
   */
  betweenPasses?: (finished: PassInfo) => void | Promise<void>;
}

export interface InferenceScheduler {
  /** Embeds `texts` (any number) with `model`; vectors in order. */
  embed(model: string, texts: string[], priority: Priority): Promise<number[][]>;
  /** Scores each (query, passage) pair with reranker `model`; scores aligned with `passages`. */
  rerank(model: string, query: string, passages: string[], priority?: Priority): Promise<number[]>;
}

interface Job {
  priority: Priority;
  tasks: ModelTask[];
  results: unknown[];
  resolve(results: unknown[]): void;
  reject(error: unknown): void;
}

/** Creates a scheduler over one model thread (or any pass runner). */
export function createInferenceScheduler(options: InferenceSchedulerOptions): InferenceScheduler {
  const passSize = options.passSize ?? 8;
  const maxInteractiveStreak = options.maxInteractiveStreak ?? 8;
  const queues: Record<Priority, Job[]> = { interactive: [], batch: [] };
  let pumping = false;
  let interactiveStreak = 0;

  function submit(priority: Priority, tasks: ModelTask[]): Promise<unknown[]> {
    if (tasks.length === 0) return Promise.resolve([]);
    return new Promise<unknown[]>((resolve, reject) => {
      queues[priority].push({ priority, tasks, results: [], resolve, reject });
      const first = tasks[0]!;
      options.onQueued?.({ priority, kind: first.kind, model: first.model, passes: tasks.length });
      void pump();
    });
  }

  function nextJob(): Job | undefined {
    const interactive = queues.interactive[0];
    const batch = queues.batch[0];
    if (interactive && (!batch || interactiveStreak < maxInteractiveStreak)) {
      if (batch) interactiveStreak += 1;
      return interactive;
    }
    interactiveStreak = 0;
    return batch;
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      for (let job = nextJob(); job; job = nextJob()) {
        const pass = job.results.length;
        const task = job.tasks[pass]!;
        let ok = true;
        try {
          job.results.push(await options.run(task));
          if (job.results.length === job.tasks.length) {
            queues[job.priority].shift();
            job.resolve(job.results);
          }
        } catch (error) {
          ok = false;
          queues[job.priority].shift();
          job.reject(error);
        }
        if (options.betweenPasses) {
          try {
            await options.betweenPasses({ priority: job.priority, kind: task.kind, model: task.model, pass, passes: job.tasks.length, ok });
          } catch {
            // An observer's failure must not stop the queue.
          }
        }
      }
    } finally {
      pumping = false;
    }
  }

  function groups<T>(items: T[]): T[][] {
    const out: T[][] = [];
    for (let start = 0; start < items.length; start += passSize) out.push(items.slice(start, start + passSize));
    return out;
  }

  return {
    async embed(model, texts, priority) {
      const results = await submit(priority, groups(texts).map((group) => ({ kind: "embed", model, texts: group })));
      return (results as number[][][]).flat();
    },
    async rerank(model, query, passages, priority = "interactive") {
      const results = await submit(priority, groups(passages).map((group) => ({ kind: "rerank", model, query, passages: group })));
      return (results as number[][]).flat();
    },
  };
}
