import { describe, expect, it } from "vitest";
import { createUniversalSentenceEncoder, universalSentenceEncoderMaxChars } from "./universal-sentence-encoder.js";

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);

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
    await model.close();
  });

  it("runs on ONNX Runtime by default, one thread", async () => {
    const model = createUniversalSentenceEncoder();
    const runtime = await model.runtime();
    expect(runtime.name).toBe("onnxruntime-node");
    expect(runtime.detail).toMatch(/1 thread\b/);
    await model.close();
  });

  it("gives one vector per text, also for empty texts at the end of a pass or alone", async () => {
    const model = createUniversalSentenceEncoder();
    const [first, emptyInside, last] = await model.embed(["refund policy", "", "shipping times"]);
    const atEnd = await model.embed(["refund policy", ""]);
    const alone = await model.embed([""]);
    expect(atEnd).toHaveLength(2);
    expect(alone).toHaveLength(1);
    expect(cosine(atEnd[1]!, emptyInside!)).toBeGreaterThan(0.99999);
    expect(cosine(alone[0]!, emptyInside!)).toBeGreaterThan(0.99999);
    expect(cosine(atEnd[0]!, first!)).toBeGreaterThan(0.99999);
    expect(cosine(first!, last!)).toBeLessThan(0.99);
    await model.close();
  });

  it("falls back to TF.js WASM when ONNX Runtime cannot load, says so once, and gives the same vectors", async () => {
    const warnings: string[] = [];
    const fallback = createUniversalSentenceEncoder({
      loadOnnxRuntime: () => Promise.reject(new Error("no binary for this platform")),
      warn: (message) => warnings.push(message),
    });
    const native = createUniversalSentenceEncoder({ runtime: "onnxruntime-node" });
    const texts = ["How long do I have to ask for a refund?", "Orders ship within two days.", "Die Rückgabe ist kostenlos."];
    const [viaFallback, again, viaNative] = await Promise.all([fallback.embed(texts), fallback.embed(texts.slice(0, 1)), native.embed(texts)]);
    expect((await fallback.runtime()).name).toBe("tfjs-wasm");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("no binary for this platform");
    expect(again[0]).toEqual(viaFallback[0]);
    viaFallback.forEach((vector, i) => expect(cosine(vector, viaNative[i]!)).toBeGreaterThanOrEqual(0.999));
    // Loaded again after close(): still on the fallback, and not reported a second time.
    await fallback.close();
    expect(await fallback.embed(texts.slice(0, 1))).toEqual(again);
    expect(warnings).toHaveLength(1);
    await Promise.all([fallback.close(), native.close()]);
  });
});
