/**
 * What GET /health reports: the mode, the models in use, and whether the
 * index is usable (the embedder and the index agree; see index-guard.ts).
 */
import { AppError } from "../core/errors.js";
import type { EmbedderInfo } from "../ports/embedder.js";
import type { IndexGuard } from "./index-guard.js";
import type { Logger } from "./logger.js";

export type HealthReport =
  | { status: "ok"; mode: string; embedder: EmbedderInfo; generator: { model: string } }
  | { status: "error"; mode: string; embedder: { model: string }; generator: { model: string }; error: { code: string; message: string } };

export class HealthService {
  constructor(private readonly deps: { mode: string; guard: IndexGuard; embedderModel: string; generatorModel: string; log: Logger }) {}

  async check(): Promise<HealthReport> {
    const { mode, guard, embedderModel, generatorModel, log } = this.deps;
    const generator = { model: generatorModel };
    try {
      return { status: "ok", mode, embedder: await guard.check(), generator };
    } catch (error) {
      if (!(error instanceof AppError)) log.error("health.failed", { error: String(error) });
      const problem = error instanceof AppError ? { code: error.code, message: error.message } : { code: "INTERNAL", message: "health check failed" };
      return { status: "error", mode, embedder: { model: embedderModel }, generator, error: problem };
    }
  }
}
