/**
 * Port: the part of the Workers AI binding (`Ai.run`) that the embedding and
 * generation adapters use. The `AI` binding satisfies it in production; in
 * local mode `adapters/local/local-ai.ts` does, speaking the same protocol.
 */
export interface AiRunner {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}
