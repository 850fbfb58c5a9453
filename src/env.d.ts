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
    /** "workers-ai" (default) or "openai" (EMBEDDING_BASE_URL / EMBEDDING_API_KEY, else the LLM_* ones). */
    EMBEDDING_PROVIDER?: string;
    EMBEDDING_BASE_URL?: string;
    EMBEDDING_API_KEY?: string;
    EMBEDDING_DIMENSIONS?: string;
    GENERATION_MAX_TOKENS?: string;
    CHUNK_MAX_TOKENS?: string;
    CHUNK_OVERLAP_TOKENS?: string;
    /** "rrf" (default) or "convex". */
    HYBRID_METHOD?: string;
    /** "minmax" (default) or "zscore", for HYBRID_METHOD=convex. */
    HYBRID_NORMALIZATION?: string;
    HYBRID_RRF_K?: string;
    HYBRID_KEYWORD_WEIGHT?: string;
    HYBRID_VECTOR_WEIGHT?: string;
    /** First retry delay (seconds) of a failed ingestion attempt; doubles per attempt. Default 10. */
    INGEST_RETRY_BASE_SECONDS?: string;
    /** Largest top_k /v1/search accepts (default 50, at most 100). */
    SEARCH_MAX_TOP_K?: string;
    /** Cross-encoder for reranking (Cloudflare default @cf/baai/bge-reranker-base; "" disables). */
    RERANK_MODEL?: string;
    /** "true" to rerank searches that do not say (default "false"). */
    RERANK_BY_DEFAULT?: string;
    /** Fused candidates the reranker re-scores (default 20). */
    RERANK_CANDIDATES?: string;
    /** info (default), warn, error or silent. */
    LOG_LEVEL?: string;
    /** Rate limits and daily budgets of tenant keys (defaults in src/services/usage-limits.ts; "0" turns one off). */
    RATE_LIMIT_REQUESTS_PER_MINUTE_PER_KEY?: string;
    RATE_LIMIT_CHAT_PER_MINUTE_PER_IP?: string;
    RATE_LIMIT_SEARCH_PER_MINUTE_PER_IP?: string;
    RATE_LIMIT_INGEST_PER_MINUTE_PER_KEY?: string;
    RATE_LIMIT_DAILY_REQUESTS_PER_KEY?: string;
    RATE_LIMIT_DAILY_TOKENS_PER_KEY?: string;
    /** Local mode only: the Node half (embedding models, vector index stand-in). */
    LOCAL_SERVICES?: Fetcher;
  }
}
