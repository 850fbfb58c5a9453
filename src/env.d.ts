/**
 * Bindings that `wrangler types` cannot see: secrets (set with `wrangler
 * secret put`, or `.dev.vars` locally), optional tuning variables, and the
 * LOCAL_SERVICES service binding that only local mode provides (added by the
 * dev launcher and the test pool, never by wrangler.toml).
 */
declare namespace Cloudflare {
  interface Env {
    /** Admin API key. Required in production; local mode falls back to "local-dev-key". */
    API_KEY?: string;
    /** OpenAI-compatible endpoint for answers (and embeddings with EMBEDDING_PROVIDER=openai). */
    LLM_BASE_URL?: string;
    LLM_API_KEY?: string;
    LLM_MODEL?: string;
    /** "workers-ai" (default) or "openai" (uses LLM_BASE_URL / LLM_API_KEY). */
    EMBEDDING_PROVIDER?: string;
    CHUNK_MAX_TOKENS?: string;
    CHUNK_OVERLAP_TOKENS?: string;
    HYBRID_RRF_K?: string;
    HYBRID_KEYWORD_WEIGHT?: string;
    HYBRID_VECTOR_WEIGHT?: string;
    /** Local mode only: the Node half (embedding models, vector index stand-in). */
    LOCAL_SERVICES?: Fetcher;
  }
}
