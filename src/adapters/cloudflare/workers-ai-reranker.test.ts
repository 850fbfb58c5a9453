/**
 * WorkersAiReranker against a fake of the Workers AI reranker behind the
 * `AiRunner` port, speaking the documented wire format of
 * `@cf/baai/bge-reranker-base`: `{query, contexts: [{text}], top_k}` →
 * `{response: [{id, score}]}`. The end-to-end run through the local stand-in
 * is in `workers-ai-reranker.local.test.ts`.
 */
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.js";
import type { AiRunner } from "../../ports/ai-runner.js";
import { WorkersAiReranker } from "./workers-ai-reranker.js";

const model = "@cf/baai/bge-reranker-base";

/** Relevance of the fake: query words found in the text, minus a small length penalty. */
function fakeScore(query: string, text: string): number {
  const words = new Set(text.toLowerCase().split(/\W+/));
  const hits = query.toLowerCase().split(/\W+/).filter((word) => word && words.has(word)).length;
  return hits - text.length / 10_000;
}

/**
 * A fake Workers AI reranker: checks the inputs against the documented schema
 * (as the real service would refuse them), records calls, answers best first,
 * cut to `top_k`.
 */
function fakeRerankerAi(options: { order?: "best-first" | "reversed" } = {}) {
  const calls: { model: string; inputs: Record<string, unknown>; options: Record<string, unknown> | undefined }[] = [];
  const ai: AiRunner = {
    async run(name, inputs, runOptions) {
      calls.push({ model: name, inputs, options: runOptions });
      const { query, contexts, top_k: topK } = inputs as { query?: unknown; contexts?: unknown; top_k?: unknown };
      if (typeof query !== "string" || query.length < 1) throw new Error("AiError: 5006: query: must be a non-empty string");
      if (!Array.isArray(contexts)) throw new Error("AiError: 5006: contexts: required");
      const texts = contexts.map((context: { text?: unknown }) => context.text);
      if (!texts.every((text) => typeof text === "string" && text.length >= 1)) throw new Error("AiError: 5006: contexts.text: minLength 1");
      if (topK !== undefined && !(Number.isInteger(topK) && (topK as number) >= 1)) throw new Error("AiError: 5006: top_k: minimum 1");
      const ranked = (texts as string[])
        .map((text, id) => ({ id, score: fakeScore(query, text) }))
        .sort((a, b) => b.score - a.score);
      const cut = ranked.slice(0, (topK as number | undefined) ?? ranked.length);
      return { response: options.order === "reversed" ? cut.reverse() : cut };
    },
  };
  return { ai, calls };
}

/** An AiRunner that answers `output` to every call. */
const answering = (output: unknown): AiRunner => ({ run: async () => output });

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("WorkersAiReranker", () => {
  it("sends the query, every passage as a context and top_k = all of them, then maps ids back, best first", async () => {
    const { ai, calls } = fakeRerankerAi();
    const reranker = new WorkersAiReranker(ai, model);
    expect(reranker.model).toBe(model);
    const passages = ["Invoices are payable in 14 days.", "A heat pump moves heat from outside air.", "Heat pumps and heat exchangers."];
    const ranked = await reranker.rerank("how does a heat pump move heat", passages);
    expect(calls).toEqual([
      {
        model,
        inputs: { query: "how does a heat pump move heat", contexts: passages.map((text) => ({ text })), top_k: 3 },
        options: undefined,
      },
    ]);
    expect(ranked.map((entry) => entry.index)).toEqual([1, 2, 0]);
    expect(ranked.map((entry) => entry.score)).toEqual([1, 2, 0].map((index) => fakeScore("how does a heat pump move heat", passages[index]!)));
  });

  it("sorts by score itself rather than trusting the order of the response", async () => {
    const { ai } = fakeRerankerAi({ order: "reversed" });
    const ranked = await new WorkersAiReranker(ai, model).rerank("cat", ["dog", "cat", "cat cat mat"]);
    expect(ranked.map((entry) => entry.index)).toEqual([1, 2, 0]);
    expect(ranked[0]!.score).toBeGreaterThan(ranked[1]!.score);
  });

  it("breaks ties by passage order", async () => {
    const ranked = await new WorkersAiReranker(
      answering({ response: [{ id: 2, score: 0.5 }, { id: 0, score: 0.5 }, { id: 1, score: 0.9 }] }),
      model,
    ).rerank("q", ["a", "b", "c"]);
    expect(ranked).toEqual([{ index: 1, score: 0.9 }, { index: 0, score: 0.5 }, { index: 2, score: 0.5 }]);
  });

  it("returns [] for no passages without calling the model", async () => {
    const { ai, calls } = fakeRerankerAi();
    expect(await new WorkersAiReranker(ai, model).rerank("anything", [])).toEqual([]);
    expect(calls).toHaveLength(0);
  });

  it("splits large inputs into calls of at most 100 contexts and merges them into one ranking", async () => {
    const { ai, calls } = fakeRerankerAi();
    const passages = Array.from({ length: 250 }, (_, i) => `${"cat ".repeat(i % 7)}passage number ${i} ${"x".repeat(i)}`);
    const ranked = await new WorkersAiReranker(ai, model).rerank("cat passage", passages);
    expect(calls.map((call) => (call.inputs.contexts as unknown[]).length)).toEqual([100, 100, 50]);
    expect(calls.map((call) => call.inputs.top_k)).toEqual([100, 100, 50]);
    expect(calls[1]!.inputs.contexts).toEqual(passages.slice(100, 200).map((text) => ({ text })));

    expect(ranked.map((entry) => entry.index).sort((a, b) => a - b)).toEqual(passages.map((_, i) => i));
    const expected = passages
      .map((text, index) => ({ index, score: fakeScore("cat passage", text) }))
      .sort((a, b) => b.score - a.score || a.index - b.index);
    expect(ranked).toEqual(expected);
  });

  it("honours a smaller maxContextsPerCall", async () => {
    const { ai, calls } = fakeRerankerAi();
    const ranked = await new WorkersAiReranker(ai, model, { maxContextsPerCall: 2 }).rerank("cat", ["cat", "dog", "cat cat", "bird", "cat"]);
    expect(calls.map((call) => (call.inputs.contexts as unknown[]).length)).toEqual([2, 2, 1]);
    expect(ranked.map((entry) => entry.index)).toEqual([0, 4, 2, 1, 3]);
    expect(() => new WorkersAiReranker(ai, model, { maxContextsPerCall: 0 })).toThrow(RangeError);
  });

  it("does not send blank passages (the schema refuses them) and ranks them last", async () => {
    const { ai, calls } = fakeRerankerAi();
    const ranked = await new WorkersAiReranker(ai, model).rerank("cat", ["", "dog", "  \n", "cat"]);
    expect(calls[0]!.inputs.contexts).toEqual([{ text: "dog" }, { text: "cat" }]);
    expect(ranked.map((entry) => entry.index)).toEqual([3, 1, 0, 2]);
    expect(ranked.slice(2).map((entry) => entry.score)).toEqual([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);

    calls.length = 0;
    const allBlank = await new WorkersAiReranker(ai, model).rerank("cat", ["", " "]);
    expect(calls).toHaveLength(0);
    expect(allBlank.map((entry) => entry.index)).toEqual([0, 1]);
  });

  it("refuses an empty query as a bad request without calling the model", async () => {
    const { ai, calls } = fakeRerankerAi();
    const error = await failure(new WorkersAiReranker(ai, model).rerank("  ", ["cat"]));
    expect(error.code).toBe("BAD_REQUEST");
    expect(calls).toHaveLength(0);
  });

  it("turns upstream failures into UPSTREAM_UNAVAILABLE, keeping the error as cause but out of the message", async () => {
    const upstream = new Error("5xx: internal detail from the inference host");
    const error = await failure(new WorkersAiReranker({ run: async () => Promise.reject(upstream) }, model).rerank("q", ["a"]));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(error.message).toBe(`reranking model ${model} failed`);
    expect(error.cause).toBe(upstream);
  });

  describe("rejects responses that do not name every context exactly once", () => {
    const cases: [string, unknown, RegExp][] = [
      ["no response", { result: [] }, /no response array/],
      ["not an object", "oops", /no response array/],
      ["fewer results", { response: [{ id: 0, score: 1 }] }, /1 results for 2 contexts/],
      ["more results", { response: [{ id: 0, score: 1 }, { id: 1, score: 1 }, { id: 2, score: 1 }] }, /3 results for 2 contexts/],
      ["a duplicate id", { response: [{ id: 0, score: 1 }, { id: 0, score: 2 }] }, /id 0 appears more than once/],
      ["an id out of range", { response: [{ id: 0, score: 1 }, { id: 2, score: 2 }] }, /id 2 is not an index/],
      ["a negative id", { response: [{ id: -1, score: 1 }, { id: 0, score: 2 }] }, /id -1 is not an index/],
      ["a fractional id", { response: [{ id: 0.5, score: 1 }, { id: 0, score: 2 }] }, /id 0.5 is not an index/],
      ["an id as a string", { response: [{ id: "0", score: 1 }, { id: 1, score: 2 }] }, /id "0" is not an index/],
      ["a missing score", { response: [{ id: 0 }, { id: 1, score: 2 }] }, /result 0 has no finite score/],
      ["a NaN score", { response: [{ id: 0, score: Number.NaN }, { id: 1, score: 2 }] }, /result 0 has no finite score/],
      ["a null item", { response: [null, { id: 1, score: 2 }] }, /id undefined is not an index/],
    ];
    for (const [name, output, cause] of cases) {
      it(name, async () => {
        const error = await failure(new WorkersAiReranker(answering(output), model).rerank("q", ["a", "b"]));
        expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
        expect(error.message).toBe(`reranking model ${model} returned an unexpected response`);
        expect(error.cause).toBeInstanceOf(Error);
        expect((error.cause as Error).message).toMatch(cause);
      });
    }
  });

  it("validates every batch, not just the first", async () => {
    let call = 0;
    const ai: AiRunner = {
      async run(_name, inputs) {
        call += 1;
        const count = (inputs.contexts as unknown[]).length;
        const response = Array.from({ length: count }, (_, id) => ({ id: call === 2 && id === 1 ? 0 : id, score: id }));
        return { response };
      },
    };
    const error = await failure(new WorkersAiReranker(ai, model, { maxContextsPerCall: 3 }).rerank("q", ["a", "b", "c", "d", "e"]));
    expect(error.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(call).toBe(2);
  });

  it("passes the signal to the binding and stops before calling when it has fired", async () => {
    const { ai, calls } = fakeRerankerAi();
    const controller = new AbortController();
    await new WorkersAiReranker(ai, model).rerank("cat", ["cat"], { signal: controller.signal });
    expect(calls[0]!.options).toEqual({ signal: controller.signal });

    controller.abort(new Error("client went away"));
    await expect(new WorkersAiReranker(ai, model).rerank("cat", ["cat"], { signal: controller.signal })).rejects.toThrow("client went away");
    expect(calls).toHaveLength(1);
  });

  it("reports an abort during the call as the abort, not as an upstream failure", async () => {
    const controller = new AbortController();
    const ai: AiRunner = {
      async run() {
        controller.abort(new Error("deadline"));
        throw new Error("The operation was aborted");
      },
    };
    await expect(new WorkersAiReranker(ai, model).rerank("q", ["a"], { signal: controller.signal })).rejects.toThrow("deadline");
  });
});
