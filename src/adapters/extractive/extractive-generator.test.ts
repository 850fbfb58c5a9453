import { describe, expect, it } from "vitest";
import { ExtractiveGenerator, wordPieces } from "./extractive-generator.js";
import { declineMarker } from "../../core/answer/decline.js";
import { extractiveAnswer, noAnswerText } from "../../core/answer/extractive-answer.js";
import type { NumberedSource } from "../../core/answer/sources.js";
import type { GenerationEvent, GenerationRequest } from "../../ports/generator.js";

const sources: NumberedSource[] = [
  { n: 1, document_id: "d1", chunk_id: "c1", title: "Queues", text: "A consumer can retry a message by calling retry. Retried messages come back later." },
  { n: 2, document_id: "d2", chunk_id: "c2", title: "D1", text: "D1 is billed by rows read and written." },
];

function request(question: string, signal?: AbortSignal): GenerationRequest {
  return { messages: [], question, sources, ...(signal ? { signal } : {}) };
}

async function collect(events: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const out: GenerationEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe("wordPieces", () => {
  it("splits into pieces that concatenate back exactly", () => {
    for (const text of ["", "one", "  lead and trail  ", "a\n\nb\tc [1].", "x  "]) {
      const pieces = wordPieces(text);
      expect(pieces.join("")).toBe(text);
      for (const piece of pieces) expect(piece.trim().split(/\s+/).length).toBeLessThanOrEqual(1);
    }
  });
});

describe("ExtractiveGenerator", () => {
  const generator = new ExtractiveGenerator();

  it("is named extractive", () => {
    expect(generator.model).toBe("extractive");
  });

  it("streams the extractive answer as small text events", async () => {
    const question = "How do I retry a message?";
    const events = await collect(generator.generate(request(question)));
    expect(events.length).toBeGreaterThan(3);
    expect(events.every((e) => e.type === "text")).toBe(true);
    const text = events.map((e) => (e.type === "text" ? e.text : "")).join("");
    expect(text).toBe(extractiveAnswer(question, sources));
    expect(text).toContain("[1]");
  });

  it("writes the decline marker when nothing matches", async () => {
    const events = await collect(generator.generate(request("What is the capital of Peru?")));
    expect(extractiveAnswer("What is the capital of Peru?", sources)).toBe(noAnswerText);
    expect(events.map((e) => (e.type === "text" ? e.text : "")).join("")).toBe(declineMarker);
  });

  it("stops with the abort reason when the signal fires", async () => {
    const controller = new AbortController();
    const reason = new Error("cancelled by client");
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of generator.generate(request("How do I retry a message?", controller.signal))) {
          if (event.type === "text") seen.push(event.text);
          controller.abort(reason);
        }
      })(),
    ).rejects.toBe(reason);
    expect(seen).toHaveLength(1);
  });

  it("does not start when the signal has already fired", async () => {
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    await expect(collect(generator.generate(request("retry", controller.signal)))).rejects.toThrow("too late");
  });
});
