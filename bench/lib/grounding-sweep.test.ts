import { describe, expect, it } from "vitest";
import { defaultGroundingGateSettings, type GroundingFeatures } from "../../src/core/answer/grounding-gate.js";
import { rates, sweepThresholds, type GroundingObservation } from "./grounding-sweep.js";

const features = (coverage: number, vectorScore: number): GroundingFeatures => ({ queryTerms: 4, coverage, vectorScore, vectorLegRan: true, rerankScore: null, bothLegs: true, sources: 6 });
const observations: GroundingObservation[] = [
  { answerable: true, features: features(0.75, 0.6), generatorDeclined: false },
  { answerable: true, features: features(0.5, 0.5), generatorDeclined: false },
  { answerable: false, features: features(0.25, 0.4), generatorDeclined: false },
  { answerable: false, features: features(0.75, 0.2), generatorDeclined: false },
  { answerable: false, features: features(0.75, 0.6), generatorDeclined: true },
];

describe("grounding threshold sweep", () => {
  it("counts a question as declined when the gate says unsupported or the generator declined", () => {
    expect(rates(observations, { ...defaultGroundingGateSettings, minCoverage: 0.5, minVectorScore: 0.3 })).toEqual({ declineRate: 1, answerRate: 1 });
    expect(rates(observations, { ...defaultGroundingGateSettings, minCoverage: 0.8, minVectorScore: 0.3 })).toEqual({ declineRate: 1, answerRate: 0 });
    expect(rates(observations, { ...defaultGroundingGateSettings, minCoverage: 0, minVectorScore: -1 })).toEqual({ declineRate: 1 / 3, answerRate: 1 });
  });

  it("ranks settings by the worse of the two rates, then their sum, then the loosest", () => {
    const rows = sweepThresholds(observations, defaultGroundingGateSettings, { coverage: [0, 0.5, 0.8], vector: [-1, 0.3] });
    expect(rows[0]).toEqual({ minCoverage: 0.5, minVectorScore: 0.3, declineRate: 1, answerRate: 1 });
    expect(rows.at(-1)!.answerRate).toBe(0);
  });
});
