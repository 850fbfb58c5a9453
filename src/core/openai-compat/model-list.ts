/**
 * `GET /v1/models` in the OpenAI wire format: `{object: "list", data: [{id,
 * object: "model", created, owned_by}]}`. `created` is 0: the service does
 * not know when a provider published a model.
 */

export interface ModelEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

export interface ModelList {
  object: "list";
  data: ModelEntry[];
}

export function modelList(models: readonly { id: string; owned_by: string }[]): ModelList {
  return { object: "list", data: models.map((model) => ({ id: model.id, object: "model", created: 0, owned_by: model.owned_by })) };
}
