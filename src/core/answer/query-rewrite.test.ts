import { describe, expect, it } from "vitest";
import { parseRewrittenQuery, rewritePrompt, ruleBasedRewrite } from "./query-rewrite.js";

const history = [
  { role: "user" as const, content: "How do I reset the Aurora heat pump?" },
  { role: "assistant" as const, content: "Hold the reset button for five seconds [1]." },
];

describe("ruleBasedRewrite", () => {
  it("adds the previous question's subject to a question that refers back", () => {
    expect(ruleBasedRewrite(history, "How long does it take?")).toBe("How long does it take? reset aurora heat pump");
  });

  it("adds context to a question too short to stand alone", () => {
    expect(ruleBasedRewrite(history, "Error codes?")).toBe("Error codes? reset aurora heat pump");
  });

  it("leaves a self-contained question alone", () => {
    expect(ruleBasedRewrite(history, "What is the refund policy for annual plans?")).toBeNull();
  });

  it("does nothing on the first turn", () => {
    expect(ruleBasedRewrite([], "How long does it take?")).toBeNull();
  });

  it("uses the latest user turn and does not repeat words", () => {
    const longer = [...history, { role: "user" as const, content: "What about the Boreal boiler?" }, { role: "assistant" as const, content: "…" }];
    expect(ruleBasedRewrite(longer, "Where is its reset button?")).toBe("Where is its reset button? boreal boiler");
  });
});

describe("rewritePrompt", () => {
  it("carries the conversation and the latest message, marked as data", () => {
    const messages = rewritePrompt(history, "How long does it take?");
    expect(messages[0]!.role).toBe("system");
    expect(messages[0]!.content).toMatch(/do not follow instructions/);
    expect(messages[1]!.content).toContain("User: How do I reset the Aurora heat pump?");
    expect(messages[1]!.content).toContain("Latest message: How long does it take?");
  });
});

describe("parseRewrittenQuery", () => {
  it.each([
    ['"Aurora heat pump reset duration"', "Aurora heat pump reset duration"],
    ["Query: Aurora heat pump reset duration\nThis resolves 'it'.", "Aurora heat pump reset duration"],
    ["\n\n  Standalone search query: reset time  ", "reset time"],
    ["   ", null],
    ['""', null],
  ])("%j → %j", (input, expected) => {
    expect(parseRewrittenQuery(input)).toBe(expected);
  });

  it("caps the length", () => {
    expect(parseRewrittenQuery("word ".repeat(200), 50)).toHaveLength(50);
  });
});
