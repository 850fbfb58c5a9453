import { describe, expect, it } from "vitest";
import { generateRequestId, isAcceptableRequestId, maxRequestIdLength, resolveRequestId } from "./request-id.js";

describe("request ids", () => {
  const generate = () => "generated-id";

  it("keeps a short, safe client id as it is", () => {
    for (const id of ["abc", "req-123", "01HZX.9:trace_id-7", "a".repeat(maxRequestIdLength), crypto.randomUUID()]) {
      expect(resolveRequestId(id, generate)).toBe(id);
    }
  });

  it("replaces an unsafe or oversized client id with a generated one", () => {
    for (const id of ["", " ", "a b", "a".repeat(maxRequestIdLength + 1), 'x"y', "x\ny", "x\r\nSet-Cookie: a=b", "<script>", "ümlaut", "a,b", "a;b", "a/b"]) {
      expect(isAcceptableRequestId(id), JSON.stringify(id)).toBe(false);
      expect(resolveRequestId(id, generate)).toBe("generated-id");
    }
  });

  it("generates one when the client sent none", () => {
    expect(resolveRequestId(null, generate)).toBe("generated-id");
    expect(resolveRequestId(undefined, generate)).toBe("generated-id");
  });

  it("generates distinct ids that are themselves acceptable", () => {
    const ids = new Set(Array.from({ length: 50 }, () => generateRequestId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(isAcceptableRequestId(id)).toBe(true);
  });
});
