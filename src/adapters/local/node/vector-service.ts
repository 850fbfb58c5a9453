// Placeholder until the vector stand-in lands (being written now).
export function createVectorService(_options: { dataDir: string }) {
  return {
    async fetch(_request: Request, _path: string): Promise<Response> {
      return Response.json({ error: { code: "NOT_IMPLEMENTED", message: "vector service not implemented yet" } }, { status: 501 });
    },
    async close(): Promise<void> {},
  };
}
