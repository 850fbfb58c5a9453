/**
 * The answer cache of chat: a question asked again — the same words once
 * case, whitespace and punctuation are folded, or a near-duplicate (word
 * shingles, Jaccard ≥ `similarity`, found through MinHash LSH bands; see
 * core/answer-cache/minhash.ts) — with the same answer-affecting settings,
 * against the same content, is answered from the cache: the stored answer
 * and sources, replayed as the same events, with no retrieval and no
 * generation (so no generated tokens are charged).
 *
 * Keyed by, per tenant:
 * - the normalised question;
 * - the scope: a hash of the request's answer-affecting settings (filter,
 *   top_k, mode, rerank, and any other field of the chat body besides the
 *   messages, `stream` and `cache`) and of the deployment's fingerprint
 *   (generator and model, retrieval and grounding configuration: fingerprint.ts);
 * - the tenant's content version, read before retrieval: every document
 *   activation or deletion and every index-settings change bumps it in the
 *   same D1 write (triggers, migrations/0008), so an answer computed from
 *   the old content is filed under the old version and never served again.
 *
 * Not cached (status `bypass`, nothing read or written): `cache: false`, a
 * conversation with history (a follow-up's answer depends on the turns
 * before it), a question with no letters or digits or longer than
 * `maxCachedQuestionChars`, the cache turned off
 * (ANSWER_CACHE_TTL_SECONDS=0). Looked up but not stored (status `miss`):
 * answers that failed, were stopped by the client, or were degraded (a
 * retrieval leg or the language model was unavailable: the notice and the
 * poorer answer are not worth repeating for a day). Declines
 * (`grounded: false`) are stored: they are the answer for that content.
 *
 * A cache that fails (D1 error) never fails the chat: the lookup counts as a
 * bypass and a failed store is logged.
 */
import { minHashSignature, lshBands, wordShingles, defaultMinHashOptions } from "../../core/answer-cache/minhash.js";
import { nearDuplicateForm, normalizeQuestion } from "../../core/answer-cache/normalize-question.js";
import { defaultAnswerCacheSimilarity, matchQuestion } from "../../core/answer-cache/question-match.js";
import type { NumberedSource } from "../../core/answer/sources.js";
import type { Clock } from "../../core/resilience/clock.js";
import type { AnswerCacheStore } from "../../ports/answer-cache-store.js";
import { gatherAnswer, type ChatAnswer, type ChatEvent, type ChatRequest, type ChatService, type ChatTimings } from "../chat-service.js";
import type { Logger } from "../logger.js";
import { elapsedMs } from "../timing.js";

/** `hit`: answered from the cache; `miss`: looked up, answered afresh; `bypass`: the cache was not consulted. */
export type CacheStatus = "hit" | "miss" | "bypass";

export interface AnswerCacheOptions {
  /** How long an entry lives (0: the cache is off). */
  ttlSeconds: number;
  /** Entries per tenant; storing beyond it evicts the oldest. */
  maxEntries: number;
  /** The word-shingle Jaccard similarity a near-duplicate needs (> 1: exact matches only). */
  similarity: number;
  /**
   * Seconds after a content change during which answers are not stored:
   * Vectorize applies upserts and deletes a few seconds after acknowledging
   * them, so an answer computed then may have seen half of the change.
   */
  settleSeconds: number;
}

export const defaultAnswerCacheOptions: AnswerCacheOptions = { ttlSeconds: 86_400, maxEntries: 1000, similarity: defaultAnswerCacheSimilarity, settleSeconds: 60 };

/** Near-duplicate candidates read per lookup (most shared LSH bands first). */
const maxCandidates = 16;
/** Longer questions are not cached: they are rarely asked twice, and each entry stores its question. */
export const maxCachedQuestionChars = 500;

/** The chat events of this service: `done` says how the cache answered. */
export type CachedChatEvent =
  | Exclude<ChatEvent, { event: "done" }>
  | { event: "done"; data: Extract<ChatEvent, { event: "done" }>["data"] & { cache: CacheStatus } };

export interface CachedAnswer extends ChatAnswer {
  cache: CacheStatus;
}

/** What an entry holds. */
interface Payload {
  answer: string;
  sources: NumberedSource[];
  grounded: boolean;
  retrieval_queries: string[];
}

export interface CacheRequestOptions {
  /** False: answer afresh and store nothing (`cache: false` in the chat body). */
  cache: boolean;
  /** The request's answer-affecting settings (everything of the body but the messages, `stream` and `cache`). */
  settings: Record<string, unknown>;
}

export class AnswerCache {
  private readonly options: AnswerCacheOptions;
  private readonly clock: Pick<Clock, "now">;

  constructor(
    private readonly deps: {
      store: AnswerCacheStore;
      chat: ChatService;
      /** The deployment's answer-affecting configuration (fingerprint.ts). */
      fingerprint: string;
      options?: Partial<AnswerCacheOptions>;
      clock?: Pick<Clock, "now">;
      log?: Logger;
    },
  ) {
    this.options = { ...defaultAnswerCacheOptions, ...deps.options };
    this.clock = deps.clock ?? { now: () => Date.now() };
  }

  /**
   * The chat's events, from the cache or afresh. Resolves once the lookup is
   * done (before retrieval on a miss), so the caller knows the status before
   * any header goes out.
   */
  async chat(request: ChatRequest, options: CacheRequestOptions): Promise<{ cache: CacheStatus; events: AsyncGenerator<CachedChatEvent> }> {
    const started = performance.now();
    const question = request.messages[request.messages.length - 1]!.content;
    const normalized = normalizeQuestion(question);
    if (!options.cache || this.options.ttlSeconds <= 0 || request.messages.length > 1 || normalized === "" || normalized.length > maxCachedQuestionChars) {
      return { cache: "bypass", events: flagged(this.deps.chat.chat(request), "bypass") };
    }
    const key = { tenantId: request.tenantId, scope: await this.scopeOf(options.settings), question: normalized };
    // Bands of the near-duplicate form (filler words removed): the candidates matchQuestion then checks.
    const bands = lshBands(minHashSignature(wordShingles(nearDuplicateForm(normalized))), defaultMinHashOptions);
    const lookup = async () => {
      const now = this.clock.now();
      const found = await this.deps.store.lookup({ ...key, bands, now, maxCandidates });
      if (found.exact) return { contentVersion: found.contentVersion, payload: found.exact.payload };
      const match = matchQuestion(normalized, found.candidates, { threshold: this.options.similarity });
      const payload = match ? await this.deps.store.payload(request.tenantId, match.candidate.id, now) : null;
      return { contentVersion: found.contentVersion, payload };
    };
    let found: { contentVersion: number; payload: string | null };
    try {
      found = request.spans ? await request.spans.time("cache", async (span) => {
        const result = await lookup();
        span.setAttribute("hit", result.payload !== null);
        return result;
      }) : await lookup();
    } catch (error) {
      this.deps.log?.warn("answer_cache.lookup_failed", { tenant_id: request.tenantId, detail: String(error) });
      return { cache: "bypass", events: flagged(this.deps.chat.chat(request), "bypass") };
    }
    if (found.payload !== null) {
      let payload: Payload | undefined;
      try {
        payload = JSON.parse(found.payload) as Payload;
      } catch (error) {
        // A damaged entry is answered afresh: never a failed chat.
        this.deps.log?.warn("answer_cache.bad_entry", { tenant_id: request.tenantId, detail: String(error) });
      }
      if (payload) return { cache: "hit", events: replay(payload, started) };
    }
    const entry = { ...key, bands, contentVersion: found.contentVersion, id: await sha256Hex(`${key.scope}\n${found.contentVersion}\n${normalized}`) };
    return { cache: "miss", events: this.answerAndStore(request, entry) };
  }

  /** The non-streaming form: the whole answer, its sources and the cache status. */
  async answer(request: ChatRequest, options: CacheRequestOptions): Promise<CachedAnswer> {
    const { answer, done } = await gatherAnswer((await this.chat(request, options)).events);
    return { ...answer, cache: done.cache };
  }

  /** Deletes the tenant's entries (DELETE /v1/cache); returns how many there were. */
  purge(tenantId: string): Promise<number> {
    return this.deps.store.purge(tenantId);
  }

  /** Answers afresh, passing the events on, and stores a complete, undegraded answer before `done`. */
  private async *answerAndStore(
    request: ChatRequest,
    entry: { tenantId: string; scope: string; question: string; bands: string[]; contentVersion: number; id: string },
  ): AsyncGenerator<CachedChatEvent> {
    let answer = "";
    let sources: NumberedSource[] = [];
    let noticed = false;
    for await (const event of this.deps.chat.chat(request)) {
      if (event.event === "sources") sources = event.data.sources;
      else if (event.event === "delta") answer += event.data.text;
      else if (event.event === "notice") noticed = true;
      if (event.event !== "done") {
        yield event;
        continue;
      }
      const done = event.data;
      if (!noticed && !done.degraded && !request.signal?.aborted) {
        const payload: Payload = { answer, sources, grounded: done.grounded, retrieval_queries: done.retrieval_queries };
        const now = this.clock.now();
        try {
          await this.deps.store.store({ ...entry, payload: JSON.stringify(payload), now, expiresAt: now + this.options.ttlSeconds * 1000, maxEntries: this.options.maxEntries, settleMs: this.options.settleSeconds * 1000 });
        } catch (error) {
          this.deps.log?.warn("answer_cache.store_failed", { tenant_id: request.tenantId, detail: String(error) });
        }
      }
      yield { event: "done", data: { ...done, cache: "miss" } };
    }
  }

  private scopeOf(settings: Record<string, unknown>): Promise<string> {
    return sha256Hex(canonicalJson({ fingerprint: this.deps.fingerprint, settings }));
  }
}

/** A stored answer as the events of a fresh one: sources, the answer as one delta, done. */
async function* replay(payload: Payload, started: number): AsyncGenerator<CachedChatEvent> {
  yield { event: "sources", data: { sources: payload.sources } };
  const lookupMs = elapsedMs(started);
  yield { event: "delta", data: { text: payload.answer } };
  const timings: ChatTimings = {
    embed_ms: 0,
    vector_ms: 0,
    keyword_ms: 0,
    hydrate_ms: 0,
    fuse_ms: 0,
    rerank_ms: 0,
    rewrite_ms: 0,
    retrieval_ms: lookupMs,
    first_token_ms: lookupMs,
    generation_ms: 0,
    total_ms: elapsedMs(started),
  };
  yield { event: "done", data: { timings, retrieval_queries: payload.retrieval_queries, grounded: payload.grounded, cache: "hit" } };
}

/** The chat's events with `cache` added to `done`. */
async function* flagged(events: AsyncGenerator<ChatEvent>, cache: CacheStatus): AsyncGenerator<CachedChatEvent> {
  for await (const event of events) yield event.event === "done" ? { event: "done", data: { ...event.data, cache } } : event;
}

/** JSON with object keys sorted at every depth (undefined values dropped), so equal settings hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
