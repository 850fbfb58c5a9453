/**
 * The retrieval-confidence gate: decides, before any generator runs, whether
 * what retrieval found can plausibly support an answer. When it cannot, chat
 * declines ("I couldn't find this in the documents", `grounded: false`)
 * instead of asking a model to answer from unrelated passages.
 *
 * Signals, from the sources alone (pure, no bindings):
 * - query-term coverage: the share of the question's content words (stemmed,
 *   stop words and "please/explain"-style fillers removed) found in the
 *   best-covering of the first `coverageDepth` sources (title, section and
 *   text). Unlike bm25 it does not depend on the collection's size;
 * - the best vector similarity (cosine) among the sources;
 * - the best cross-encoder score, when the results were reranked.
 *
 * The rule: supported when coverage ≥ `minCoverage` and (when the vector leg
 * ran) the best similarity ≥ `minVectorScore` (a vector leg none of whose
 * hits made it into the sources fails this); or when one top source holds
 * every content word of a question that has at least two, or when a rerank score reaches
 * `minRerankScore`. No sources, or a question with no content words and no
 * strong similarity: not supported. Thresholds are configuration
 * (GROUNDING_MIN_COVERAGE, GROUNDING_MIN_VECTOR_SCORE,
 * GROUNDING_MIN_RERANK_SCORE); defaults were chosen with bench/grounding.ts
 * (see bench/RESULTS.md, "Declining").
 */
import type { NumberedSource } from "./sources.js";
import { stem } from "../text/stem.js";
import { englishStopwords, words } from "../text/tokenize.js";

export interface GroundingGateSettings {
  /** Off: every retrieval goes to the generator (which may still decline). */
  enabled: boolean;
  /** Least share (0–1) of the question's content words found in one top source. */
  minCoverage: number;
  /** Least best cosine similarity among the sources (ignored when the vector leg did not run). */
  minVectorScore: number;
  /** A rerank score at least this high is enough on its own (null: rerank scores are not used). */
  minRerankScore: number | null;
  /** How many of the best-ranked sources coverage looks at. */
  coverageDepth: number;
}

export const defaultGroundingGateSettings: GroundingGateSettings = {
  enabled: true,
  minCoverage: 0.5,
  minVectorScore: 0.3,
  minRerankScore: null,
  coverageDepth: 3,
};

export interface GroundingFeatures {
  /** Content words of the question (stemmed, distinct). */
  queryTerms: number;
  /** Best share of those words found in one of the first `coverageDepth` sources (0 without terms or sources). */
  coverage: number;
  /** Best vector similarity among the sources, null when none has one. */
  vectorScore: number | null;
  /**
   * Whether the vector leg ran (not keyword mode, not degraded). When it ran
   * but none of its hits made it into the sources, the similarity counts as
   * failing; when it did not run, the similarity threshold is not applied.
   */
  vectorLegRan: boolean;
  /** Best rerank score, null when not reranked. */
  rerankScore: number | null;
  /** Whether the best-ranked source was found by both the keyword and the vector leg. */
  bothLegs: boolean;
  sources: number;
}

export interface GroundingDecision {
  supported: boolean;
  features: GroundingFeatures;
}

/**
 * Words that give a question its form, not its topic ("how long does it
 * take", "what happens if", "do I need to"): a document answering the
 * question rarely repeats them, so they do not count for coverage.
 */
const questionFillers: ReadonlySet<string> = new Set(
  (
    "please explain describe tell kindly know find mean means long many much often ask asked take takes get gets happen happens " +
    "need needs make use way want able possible kind type go goes work works help thing things"
  ).split(" "),
);

/** The question's distinct content words, stemmed. */
export function questionTerms(question: string): string[] {
  return [...new Set(words(question).filter((word) => !englishStopwords.has(word) && !questionFillers.has(word)).map(stem))];
}

/** The gate's inputs, computed from the question and the numbered sources (best-ranked first). */
export function groundingFeatures(
  question: string,
  sources: readonly NumberedSource[],
  coverageDepth = defaultGroundingGateSettings.coverageDepth,
  vectorLegRan = true,
): GroundingFeatures {
  const terms = questionTerms(question);
  let coverage = 0;
  if (terms.length > 0) {
    for (const source of sources.slice(0, Math.max(1, coverageDepth))) {
      const present = new Set(words(`${source.title} ${source.heading ?? ""} ${source.text}`).map(stem));
      const share = terms.filter((term) => present.has(term)).length / terms.length;
      if (share > coverage) coverage = share;
    }
  }
  const best = (values: (number | null | undefined)[]): number | null => {
    const present = values.filter((value): value is number => typeof value === "number" && Number.isFinite(value));
    return present.length === 0 ? null : Math.max(...present);
  };
  const top = sources[0]?.scoring;
  return {
    queryTerms: terms.length,
    coverage,
    vectorScore: best(sources.map((source) => source.scoring?.vector_score)),
    vectorLegRan,
    rerankScore: best(sources.map((source) => source.scoring?.rerank_score)),
    bothLegs: top !== undefined && top.keyword_rank !== null && top.vector_rank !== null,
    sources: sources.length,
  };
}

/** Applies the rule (see the file comment) to computed features. */
export function isSupported(features: GroundingFeatures, settings: GroundingGateSettings): boolean {
  if (!settings.enabled) return true;
  if (features.sources === 0) return false;
  if (settings.minRerankScore !== null && features.rerankScore !== null && features.rerankScore >= settings.minRerankScore) return true;
  // Every content word (two or more) in one top source: full lexical support, whatever the similarity
  // (a chunk that mixes the answer with unrelated text embeds far from the question).
  if (features.coverage >= 1 && features.queryTerms >= 2) return true;
  const coverageOk = features.coverage >= settings.minCoverage;
  const vectorOk = features.vectorScore === null ? !features.vectorLegRan : features.vectorScore >= settings.minVectorScore;
  return coverageOk && vectorOk;
}

/** Whether `sources` can plausibly answer `question`, with the features the decision used. */
export function groundingGate(
  question: string,
  sources: readonly NumberedSource[],
  settings: GroundingGateSettings = defaultGroundingGateSettings,
  options: { vectorLegRan?: boolean } = {},
): GroundingDecision {
  const features = groundingFeatures(question, sources, settings.coverageDepth, options.vectorLegRan ?? true);
  return { supported: isSupported(features, settings), features };
}

/**
 * Parses the gate's variables (GROUNDING_GATE "on"/"off", GROUNDING_MIN_COVERAGE
 * 0–1, GROUNDING_MIN_VECTOR_SCORE −1–1, GROUNDING_MIN_RERANK_SCORE any number
 * or empty). Returns an error message for an invalid value.
 */
export function parseGroundingGateSettings(read: (name: string) => string | undefined): GroundingGateSettings | string {
  const settings = { ...defaultGroundingGateSettings };
  const gate = read("GROUNDING_GATE");
  if (gate !== undefined) {
    if (gate !== "on" && gate !== "off") return `GROUNDING_GATE must be "on" or "off" (got "${gate}")`;
    settings.enabled = gate === "on";
  }
  const numeric = (name: string, low: number, high: number): number | undefined | string => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    return Number.isFinite(value) && value >= low && value <= high ? value : `${name} must be a number between ${low} and ${high} (got "${raw}")`;
  };
  const coverage = numeric("GROUNDING_MIN_COVERAGE", 0, 1);
  if (typeof coverage === "string") return coverage;
  if (coverage !== undefined) settings.minCoverage = coverage;
  const vector = numeric("GROUNDING_MIN_VECTOR_SCORE", -1, 1);
  if (typeof vector === "string") return vector;
  if (vector !== undefined) settings.minVectorScore = vector;
  const rerank = numeric("GROUNDING_MIN_RERANK_SCORE", -1e6, 1e6);
  if (typeof rerank === "string") return rerank;
  if (rerank !== undefined) settings.minRerankScore = rerank;
  return settings;
}
