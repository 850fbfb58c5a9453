/**
 * The models the OpenAI-compatible API offers: the project's alias
 * (`edge-rag`, "whatever answers here") and the configured generator's model
 * id. Both name the same pipeline — retrieval, then the one configured
 * generator — so choosing one changes nothing but the name; any other id is
 * refused (404, like OpenAI's `model_not_found`) rather than silently
 * answered by a different model than the client asked for.
 */
import { AppError } from "../core/errors.js";

/** The model id that always means "this service's answer", whatever generator is configured. */
export const chatModelAlias = "edge-rag";

export interface ChatModelInfo {
  id: string;
  /** Who serves it: "edge-rag" for the alias, else the generator kind (workers-ai, openai, anthropic, extractive). */
  owned_by: string;
}

export class ChatModels {
  constructor(private readonly deps: { generator: { model: string; provider: string } }) {}

  /** The alias first, then the generator's model (once, if it is named like the alias). */
  list(): ChatModelInfo[] {
    const { generator } = this.deps;
    const models: ChatModelInfo[] = [{ id: chatModelAlias, owned_by: "edge-rag" }];
    if (generator.model !== chatModelAlias) models.push({ id: generator.model, owned_by: generator.provider });
    return models;
  }

  /**
   * The model that answers a request for `requested`: the generator's model
   * id. Throws NOT_FOUND for an id `list()` does not contain.
   */
  resolve(requested: string): string {
    if (!this.list().some((model) => model.id === requested)) {
      const message = `the model \`${requested}\` does not exist here; GET /v1/models lists the models this API serves`;
      throw new AppError("NOT_FOUND", message, { details: [{ path: "model", message: "unknown model" }] });
    }
    return this.deps.generator.model;
  }
}
