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
    /** Keyword-leg pseudo-relevance feedback: "off" (default) or "rm3", and its feedback results, added terms and original-ranking weight. */
    KEYWORD_EXPANSION?: string;
    KEYWORD_EXPANSION_DOCS?: string;
    KEYWORD_EXPANSION_TERMS?: string;
    KEYWORD_EXPANSION_ORIGINAL_WEIGHT?: string;
    LLM_BASE_URL?: string;
    LLM_API_KEY?: string;
    LLM_MODEL?: string;
    /** Anthropic's Messages API for answers (GENERATOR=anthropic): the key (secret), the model, and the API root (default https://api.anthropic.com). */
    ANTHROPIC_API_KEY?: string;
    ANTHROPIC_MODEL?: string;
    ANTHROPIC_BASE_URL?: string;
    /** "workers-ai" (default) or "openai" (EMBEDDING_BASE_URL / EMBEDDING_API_KEY, else the LLM_* ones). */
    EMBEDDING_PROVIDER?: string;
    EMBEDDING_BASE_URL?: string;
    EMBEDDING_API_KEY?: string;
    EMBEDDING_DIMENSIONS?: string;
    /** Lower-case all-caps text before embedding: "auto" (default: for models known to be cased), "on" or "off". */
    EMBEDDING_NORMALIZE_CASE?: string;
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
    /** Re-sends of an ingestion message while a provider is down, before ordinary retries (default 144 ≈ a day at the 10-minute cap). */
    INGEST_MAX_DEFERRALS?: string;
    /** Unfinished (queued + processing) documents per tenant before POST /v1/documents answers 429 (default 10000; 0 = no bound). */
    INGEST_MAX_BACKLOG?: string;
    /** Retry-After (seconds) of that 429 (default 30). */
    INGEST_BACKLOG_RETRY_AFTER_SECONDS?: string;
    /** Largest file (bytes) POST /v1/documents accepts as a multipart upload (default 10485760 = 10 MiB, at most 32 MiB). */
    UPLOAD_MAX_BYTES?: string;
    /** "true": website sources may fetch loopback/private hosts and any port (local testing only; default "false"). */
    SOURCES_ALLOW_PRIVATE_HOSTS?: string;
    /** Largest max_pages a website source may ask for (default 1000). */
    SOURCES_MAX_PAGES?: string;
    /** Page fetches per second per website source (default 1). */
    SOURCES_FETCHES_PER_SECOND?: string;
    /** Largest top_k /v1/search accepts (default 50, at most 100). */
    SEARCH_MAX_TOP_K?: string;
    /** Cross-encoder for reranking (Cloudflare default @cf/baai/bge-reranker-base; "" disables). */
    RERANK_MODEL?: string;
    /** "true" to rerank searches that do not say (default "false"). */
    RERANK_BY_DEFAULT?: string;
    /** Fused candidates the reranker re-scores (default 20). */
    RERANK_CANDIDATES?: string;
    /** "off" sends every retrieval to the generator; "on" (default) declines when retrieval clearly cannot answer. */
    GROUNDING_GATE?: string;
    /** Least share (0–1) of the question's content words one top source must hold. */
    GROUNDING_MIN_COVERAGE?: string;
    /** Least best cosine similarity among the sources (−1–1). */
    GROUNDING_MIN_VECTOR_SCORE?: string;
    /** A rerank score at least this high is enough on its own (unset: not used). */
    GROUNDING_MIN_RERANK_SCORE?: string;
    /** Attempts per provider call (embedding, reranking, generation); default: each call's own (2–4). */
    PROVIDER_MAX_ATTEMPTS?: string;
    /** Consecutive failures that open a provider's circuit breaker (default 5; "0": no breaker). */
    PROVIDER_BREAKER_FAILURES?: string;
    /** How long an open breaker fails calls fast before probing (default 30 s). */
    PROVIDER_BREAKER_COOLDOWN_SECONDS?: string;
    /** Per-attempt limit of a query embedding (default 5000 ms). */
    EMBEDDING_QUERY_TIMEOUT_MS?: string;
    /** Per-attempt limit of a rerank call (default 5000 ms). */
    RERANK_TIMEOUT_MS?: string;
    /** Time to the generator's first token before the attempt is given up (default 20000 ms). */
    GENERATION_FIRST_TOKEN_TIMEOUT_MS?: string;
    /** Time the vector index may take to answer a query before the vector leg counts as unavailable (default 5000 ms). */
    VECTOR_QUERY_TIMEOUT_MS?: string;
    QUERY_EMBEDDING_CACHE_SIZE?: string;
    /** info (default), warn, error or silent. */
    LOG_LEVEL?: string;
    /** OTLP/HTTP collector base URL (e.g. http://localhost:4318): each request's and queue batch's spans are posted as JSON to `<base>/v1/traces`. */
    OTEL_EXPORTER_OTLP_ENDPOINT?: string;
    /** The full OTLP/HTTP traces URL, used as is (wins over OTEL_EXPORTER_OTLP_ENDPOINT). */
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
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
