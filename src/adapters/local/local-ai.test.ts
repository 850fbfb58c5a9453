import { describe, expect, it } from "vitest";
import { classifyFailure } from "../../core/resilience/failure-classification.js";
import { LocalAi } from "./local-ai.js";
import { encodeMatrix, matrixType } from "./vector-transport.js";

/** A LOCAL_SERVICES stand-in that always answers `response`. */
function answering(response: () => Response): Fetcher {
  return { fetch: async () => response() } as unknown as Fetcher;
}

type Failure = Error & { code?: string; details?: unknown; cause?: Error };

async function failure(ai: LocalAi): Promise<Failure> {
  return ai.run("@local/m", { text: ["x"] }).then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error as Failure,
  );
}

describe("LocalAi", () => {
  it("returns the local service's JSON answer", async () => {
    const ai = new LocalAi(answering(() => Response.json({ shape: [1, 2], data: [[1, 2]] })));
    expect(await ai.run("@local/m", { text: ["x"] })).toEqual({ shape: [1, 2], data: [[1, 2]] });
  });

  it("asks for float32 batches and decodes them into the same shape as JSON", async () => {
    let accept: string | null = null;
    const { bytes } = encodeMatrix([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    const service = {
      fetch: async (_url: string, init: RequestInit) => {
        accept = new Headers(init.headers).get("accept");
        return new Response(bytes, { headers: { "content-type": matrixType, "x-shape": "2,2" } });
      },
    } as unknown as Fetcher;
    const answer = await new LocalAi(service).run("@local/m", { text: ["x", "y"] });
    expect(accept).toContain(matrixType);
    expect(answer).toEqual({ shape: [2, 2], data: [[Math.fround(0.1), Math.fround(0.2)], [Math.fround(0.3), Math.fround(0.4)]] });
  });

  it("fails clearly on a float32 body that does not match its shape", async () => {
    const ai = new LocalAi(answering(() => new Response(new Uint8Array(12), { headers: { "content-type": matrixType, "x-shape": "2,2" } })));
    await expect(ai.run("@local/m", { text: ["x", "y"] })).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE", message: "local AI answered with a malformed vector body" });
  });

  it("puts the status it was answered in details and keeps the local message out of its own", async () => {
    const ai = new LocalAi(answering(() => Response.json({ error: { code: "UNKNOWN_MODEL", message: "no model at /home/dev/models/m" } }, { status: 400 })));
    const error = await failure(ai);
    expect(error).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", message: "local AI answered 400 UNKNOWN_MODEL", details: { status: 400 } });
    expect(error.cause?.message).toMatch(/no model at \/home\/dev/);
    expect(classifyFailure(error).retryable).toBe(false);
  });

  it("reports an overloaded model as retryable, with its Retry-After", async () => {
    const ai = new LocalAi(
      answering(() => Response.json({ error: { code: "OVERLOADED", message: "busy" } }, { status: 503, headers: { "retry-after": "3" } })),
    );
    const error = await failure(ai);
    expect(error.details).toEqual({ status: 503, retryAfter: "3" });
    expect(classifyFailure(error, { nowMs: 0 })).toEqual({ retryable: true, reason: "server-error", status: 503, retryAfterMs: 3000 });
  });

  it("copes with an error answer that is not JSON", async () => {
    const error = await failure(new LocalAi(answering(() => new Response("Bad gateway", { status: 502 }))));
    expect(error).toMatchObject({ message: "local AI answered 502", details: { status: 502 } });
    expect(error.cause?.message).toMatch(/Bad gateway/);
  });
});
