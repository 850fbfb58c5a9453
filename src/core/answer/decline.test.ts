import { describe, expect, it } from "vitest";
import { createDeclineFilter, declineMarker } from "./decline.js";

function run(pieces: string[]) {
  const filter = createDeclineFilter();
  const out = pieces.map((piece) => filter.push(piece)).join("") + filter.flush();
  return { out, declined: filter.declined };
}

describe("decline filter", () => {
  it("passes an ordinary answer through unchanged", () => {
    expect(run(["Refunds take ", "5 days [1]", "."])).toEqual({ out: "Refunds take 5 days [1].", declined: false });
  });

  it("removes the marker and reports it, also when split across pieces", () => {
    const half = Math.floor(declineMarker.length / 2);
    expect(run([declineMarker.slice(0, half), declineMarker.slice(half)])).toEqual({ out: "", declined: true });
    expect(run(["`", declineMarker, "`."])).toMatchObject({ declined: true });
    expect(run([`The sources do not say. ${declineMarker}`])).toEqual({ out: "The sources do not say. ", declined: true });
  });

  it("releases a held-back tail that turned out not to be the marker", () => {
    expect(run(["NOT_IN", " stock"])).toEqual({ out: "NOT_IN stock", declined: false });
    expect(run(["Ends with NOT_"])).toEqual({ out: "Ends with NOT_", declined: false });
  });
});
