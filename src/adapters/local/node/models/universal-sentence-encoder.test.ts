import { describe, expect, it } from "vitest";
import { createUniversalSentenceEncoder, universalSentenceEncoderMaxChars } from "./universal-sentence-encoder.js";

describe("@local/universal-sentence-encoder", () => {
  it("reads at most universalSentenceEncoderMaxChars characters of each text, like a model with a token limit", async () => {
    const model = createUniversalSentenceEncoder();
    expect(model.maxInputChars).toBe(universalSentenceEncoderMaxChars);
    const long = "Quibblefrost orders are final; refunds go back to the original card. ".repeat(470); // 32,430 characters
    const within = "How long do I have to ask for a refund?";
    const [whole, cut, short] = await model.embed([long, long.slice(0, universalSentenceEncoderMaxChars), within]);
    expect(whole).toEqual(cut);
    expect(short).toHaveLength(512);
    expect(short).not.toEqual(whole);
  });
});
