import { describe, expect, it } from "vitest";
import { createCitationFilter } from "./citation-filter.js";

const valid = new Set([1, 2, 3, 4, 5]);

function runPieces(pieces: string[], numbers: ReadonlySet<number> = valid): string {
  const filter = createCitationFilter(numbers);
  let out = "";
  for (const piece of pieces) out += filter.push(piece);
  return out + filter.flush();
}

/** Output for the whole string, for every single split point, and character by character — all must agree. */
function expectFiltered(input: string, expected: string, numbers: ReadonlySet<number> = valid): void {
  expect(runPieces([input], numbers), JSON.stringify(input)).toBe(expected);
  for (let split = 0; split <= input.length; split++) {
    expect(runPieces([input.slice(0, split), input.slice(split)], numbers), `split at ${split} of ${JSON.stringify(input)}`).toBe(expected);
  }
  expect(runPieces([...input], numbers), `char by char ${JSON.stringify(input)}`).toBe(expected);
}

describe("createCitationFilter", () => {
  const cases: Array<[string, string]> = [
    ["Plain text with no markers.", "Plain text with no markers."],
    ["Valid [1] and [5] stay.", "Valid [1] and [5] stay."],
    ["Paris is the capital [7].", "Paris is the capital."],
    ["Paris is the capital [7] of France.", "Paris is the capital of France."],
    ["Glued citation[7]. Next.", "Glued citation. Next."],
    ["Lists [1, 7] are trimmed.", "Lists [1] are trimmed."],
    ["Lists [7, 2; 9] are trimmed.", "Lists [2] are trimmed."],
    ["All valid [1, 2,3] stays as written.", "All valid [1, 2,3] stays as written."],
    ["Range [1-3] is valid.", "Range [1-3] is valid."],
    ["Range [4-7] is partly valid.", "Range [4, 5] is partly valid."],
    ["Range [6–9] is not.", "Range is not."],
    ["Adjacent [1][7][2].", "Adjacent [1][2]."],
    ["Number [12] has two digits.", "Number has two digits."],
    ["A [link](https://example.com) stays.", "A [link](https://example.com) stays."],
    ["A numbered link [7](https://example.com) stays.", "A numbered link [7](https://example.com) stays."],
    ["Indexing array[0] and xs[7].length stay.", "Indexing array[0] and xs[7].length stay."],
    ["Code `items[7]` and `[9]` stay.", "Code `items[7]` and `[9]` stay."],
    ["```\nconst a = b[7];\n[8]\n```\nThen [8] goes.", "```\nconst a = b[7];\n[8]\n```\nThen goes."],
    ["Brackets [like this] and [1 2] and [] stay.", "Brackets [like this] and [1 2] and [] stay."],
    ["Unclosed [1 at the end", "Unclosed [1 at the end"],
    ["Unclosed [7", "Unclosed [7"],
    ["Trailing spaces stay   ", "Trailing spaces stay   "],
    ["Line end [9]\nnext line", "Line end\nnext line"],
    ["[3] starts and [6] ends", "[3] starts and ends"],
    ["[6] Opening marker goes.\n[7]  So does this one.", "Opening marker goes.\nSo does this one."],
    ["[6] `x` and y", "`x` and y"],
    ["Huge range [1-999999] keeps the valid part.", "Huge range [1, 2, 3, 4, 5] keeps the valid part."],
  ];

  it.each(cases)("%j -> %j at every split point", (input, expected) => {
    expectFiltered(input, expected);
  });

  it("removes every marker when no sources were sent", () => {
    expectFiltered("Claim [1]. Another [2, 3].", "Claim. Another.", new Set());
  });

  it("handles a marker split over many pushes", () => {
    expect(runPieces(["The answer [", "1", "2", "]", " is here [", "2", "]."])).toBe("The answer is here [2].");
  });

  it("holds back only the undecided tail", () => {
    const filter = createCitationFilter(valid);
    expect(filter.push("Hello world")).toBe("Hello world");
    expect(filter.push(" and [")).toBe(" and");
    expect(filter.push("1")).toBe("");
    expect(filter.push("] more ")).toBe(" [1] more"); // the trailing space waits: a marker may follow
    expect(filter.push("text")).toBe(" text");
    expect(filter.flush()).toBe("");
  });

  it("keeps inline code state across pushes", () => {
    expect(runPieces(["Use `a", "[9]` then [9] and `", "`b[9]`", "`."])).toBe("Use `a[9]` then and ``b[9]``.");
  });

  it("gives the same output however random text is split (seeded fuzz)", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const alphabet = ["[", "]", "1", "7", "0", ",", "-", " ", " ", "a", ".", "(", "`", "\n", "x"];
    for (let round = 0; round < 300; round++) {
      const length = 1 + Math.floor(random() * 30);
      const input = Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
      const whole = runPieces([input]);
      const a = Math.floor(random() * (length + 1));
      const b = a + Math.floor(random() * (length + 1 - a));
      expect(runPieces([input.slice(0, a), input.slice(a, b), input.slice(b)]), JSON.stringify(input)).toBe(whole);
      expect(runPieces([...input]), JSON.stringify(input)).toBe(whole);
      // Outside code, no complete marker naming only invalid numbers survives with a space before it.
      if (!input.includes("`")) expect(whole).not.toMatch(/(^|\s)\[\s*7\s*\](?!\()/);
    }
  });
});
