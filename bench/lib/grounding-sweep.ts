/**
 * Chooses the grounding gate's thresholds from collected retrieval features
 * (bench/grounding.ts): applies core/answer/grounding-gate.ts's rule over a
 * grid of thresholds and scores each setting by the decline rate on
 * unanswerable questions and the answer rate on answerable ones.
 */
import { isSupported, type GroundingFeatures, type GroundingGateSettings } from "../../src/core/answer/grounding-gate.js";

export interface GroundingObservation {
  answerable: boolean;
  features: GroundingFeatures;
  /** Whether the generator declined on its own (gate off). */
  generatorDeclined: boolean;
}

export interface SweepRow {
  minCoverage: number;
  minVectorScore: number;
  /** Share of unanswerable questions declined. */
  declineRate: number;
  /** Share of answerable questions answered. */
  answerRate: number;
}

/** Rates of one setting: a question is declined when the gate says unsupported or the generator declined. */
export function rates(observations: readonly GroundingObservation[], settings: GroundingGateSettings): { declineRate: number; answerRate: number } {
  const unanswerable = observations.filter((o) => !o.answerable);
  const answerable = observations.filter((o) => o.answerable);
  const declined = (o: GroundingObservation) => o.generatorDeclined || !isSupported(o.features, settings);
  return {
    declineRate: unanswerable.length === 0 ? 1 : unanswerable.filter(declined).length / unanswerable.length,
    answerRate: answerable.length === 0 ? 1 : answerable.filter((o) => !declined(o)).length / answerable.length,
  };
}

/**
 * Every (coverage, vector) pair of the grid, best first: the higher of the
 * two rates' minimum, then their sum, then the loosest thresholds (fewer
 * declines of questions the collection might answer).
 */
export function sweepThresholds(
  observations: readonly GroundingObservation[],
  base: GroundingGateSettings,
  grid: { coverage: readonly number[]; vector: readonly number[] },
): SweepRow[] {
  const rows: SweepRow[] = [];
  for (const minCoverage of grid.coverage) {
    for (const minVectorScore of grid.vector) {
      rows.push({ minCoverage, minVectorScore, ...rates(observations, { ...base, enabled: true, minCoverage, minVectorScore }) });
    }
  }
  return rows.sort(
    (a, b) =>
      Math.min(b.declineRate, b.answerRate) - Math.min(a.declineRate, a.answerRate) ||
      b.declineRate + b.answerRate - (a.declineRate + a.answerRate) ||
      a.minCoverage - b.minCoverage ||
      a.minVectorScore - b.minVectorScore,
  );
}
