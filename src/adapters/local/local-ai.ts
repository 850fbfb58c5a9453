/**
 * Local stand-in for the Workers AI binding. Workers AI has no local
 * simulator, so in local mode `run()` is forwarded over the LOCAL_SERVICES
 * service binding to the host Node process, which runs real models
 * (node/local-services.ts). Only embedding models are served; asking for
 * anything else fails like an unknown model would.
 */
import type { AiRunner } from "../../ports/ai-runner.js";

export class LocalAi implements AiRunner {
  constructor(private readonly service: Fetcher) {}

  async run(model: string, inputs: Record<string, unknown>): Promise<unknown> {
    const response = await this.service.fetch("http://local/ai/run", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, inputs }),
    });
    const body = (await response.json()) as { error?: { code: string; message: string } };
    if (!response.ok) {
      throw new Error(`local AI: ${body.error?.code ?? response.status}: ${body.error?.message ?? "request failed"}`);
    }
    return body;
  }
}
