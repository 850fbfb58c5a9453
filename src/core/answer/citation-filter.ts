/**
 * Streaming filter for LLM answers: passes text through unchanged except for
 * citation markers that name sources which were not sent, so every `[n]` a
 * client sees refers to a source it has.
 *
 * What counts as a citation marker: `[` number-or-range (`, `/`; ` more)* `]`,
 * e.g. `[2]`, `[1, 3]`, `[2-4]`, `[1–2; 5]`. Rules:
 * - A marker whose items are all valid is left exactly as written.
 * - A marker with some invalid items is rewritten with only the valid
 *   numbers, ranges expanded: `[1, 7]` → `[1]`, `[4-7]` (1..5 sent) → `[4, 5]`.
 * - A marker with no valid items is removed, with the space before it when
 *   what follows is whitespace, punctuation or the end (`claim [7].` → `claim.`).
 * - Not markers, passed through untouched: anything inside `inline code` or
 *   fenced code; groups containing 0 (`array[0]`, `[0, 1]`, no source is 0);
 *   groups followed by `(` (markdown links `[1](url)`); and groups glued to
 *   a preceding identifier that continue like code (`xs[7].length`, `m[2]x`).
 *   A glued group followed by space or punctuation (`capital[7].`) is a citation.
 *
 * Text split anywhere across `push` calls gives the same output as one push:
 * the filter holds back only the undecided tail — an unfinished `[...`
 * group, a complete group waiting for the character after it, a trailing run
 * of spaces (which a removed marker may take with it) or backticks.
 */

export interface CitationFilter {
  /** Feeds the next piece of text; returns what can be emitted now. */
  push(text: string): string;
  /** Ends the stream; returns everything still held back. */
  flush(): string;
}

/** Longest bracket group considered as a citation marker. */
const maxMarkerLength = 64;

type MarkerScan =
  | { kind: "more" }
  | { kind: "none" }
  | { kind: "marker"; end: number; items: Array<[number, number]> };

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

const identifierChar = /[\p{L}\p{N}_]/u;
const sentencePunctuation = /[.,;:!?)\]}"'”’»…]/u;

/** Parses a citation-shaped group starting at `text[start] === "["`. */
function scanMarker(text: string, start: number, final: boolean): MarkerScan {
  const items: Array<[number, number]> = [];
  let i = start + 1;
  const more = (): MarkerScan => (final ? { kind: "none" } : { kind: "more" });
  const readNumber = (): number | undefined | "more" => {
    const from = i;
    while (isDigit(text[i]) && i - from < 6) i++;
    if (i === text.length && i - from < 6) return "more";
    return i > from ? Number(text.slice(from, i)) : undefined;
  };
  const skipSpaces = () => {
    while (isSpace(text[i])) i++;
  };

  for (;;) {
    if (i - start > maxMarkerLength) return { kind: "none" };
    skipSpaces();
    if (i >= text.length) return more();
    const low = readNumber();
    if (low === "more") return more();
    if (low === undefined) return { kind: "none" };
    let high = low;
    skipSpaces();
    if (i >= text.length) return more();
    if (text[i] === "-" || text[i] === "–" || text[i] === "—") {
      i++;
      skipSpaces();
      if (i >= text.length) return more();
      const upper = readNumber();
      if (upper === "more") return more();
      if (upper === undefined) return { kind: "none" };
      high = upper;
      skipSpaces();
      if (i >= text.length) return more();
    }
    items.push(low <= high ? [low, high] : [high, low]);
    const c = text[i];
    if (c === "]") return { kind: "marker", end: i + 1, items };
    if (c !== "," && c !== ";") return { kind: "none" };
    i++;
  }
}

/**
 * Creates a filter that drops or trims citation markers referring to numbers
 * outside `validNumbers` (see the module comment for the exact rules).
 */
export function createCitationFilter(validNumbers: ReadonlySet<number>): CitationFilter {
  const valid = [...validNumbers].filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
  let held = "";
  let codeFence = 0; // length of the backtick run that opened the current code span, 0 outside code
  let lastChar = ""; // last character emitted, for "glued to an identifier"
  let swallowSpaces = false; // a marker opening a line was removed: drop the spaces after it

  const validIn = (low: number, high: number) => valid.filter((n) => n >= low && n <= high);

  function process(text: string, final: boolean): string {
    let out = "";
    let spaces = ""; // run of spaces/tabs not yet emitted
    let i = 0;
    const emit = (s: string) => {
      if (s === "") return;
      swallowSpaces = false;
      out += spaces + s;
      spaces = "";
      lastChar = s[s.length - 1] ?? lastChar;
    };
    const hold = (from: number) => {
      held = spaces + text.slice(from);
      spaces = "";
    };
    held = "";

    while (i < text.length) {
      const c = text[i] as string;

      if (c === "`") {
        let end = i;
        while (text[end] === "`") end++;
        if (end === text.length && !final) {
          hold(i);
          return out;
        }
        const run = end - i;
        if (codeFence === 0) codeFence = run;
        else if (run === codeFence) codeFence = 0;
        emit(text.slice(i, end));
        i = end;
        continue;
      }

      if (codeFence > 0) {
        emit(c);
        i++;
        continue;
      }

      if (isSpace(c)) {
        if (!swallowSpaces) spaces += c;
        i++;
        continue;
      }

      if (c !== "[") {
        emit(c);
        i++;
        continue;
      }

      const scan = scanMarker(text, i, final);
      if (scan.kind === "more") {
        hold(i);
        return out;
      }
      if (scan.kind === "none") {
        emit("[");
        i++;
        continue;
      }

      // A complete group: decide using the characters after it.
      const glued = spaces === "" && identifierChar.test(lastChar);
      const next = text[scan.end];
      const afterNext = text[scan.end + 1];
      const needsTwo = glued && next === ".";
      if ((next === undefined || (needsTwo && afterNext === undefined)) && !final) {
        hold(i);
        return out;
      }
      const original = text.slice(i, scan.end);
      const hasZero = scan.items.some(([low]) => low === 0);
      const link = next === "(";
      const codeLike =
        glued && next !== undefined && (identifierChar.test(next) || (next === "." && afterNext !== undefined && identifierChar.test(afterNext)));
      if (hasZero || link || codeLike) {
        emit(original);
        i = scan.end;
        continue;
      }

      const allValid = scan.items.every(([low, high]) => validIn(low, high).length === high - low + 1);
      if (allValid) {
        emit(original);
      } else {
        const kept = [...new Set(scan.items.flatMap(([low, high]) => validIn(low, high)))];
        if (kept.length > 0) {
          emit(`[${kept.join(", ")}]`);
        } else if (spaces === "" && (lastChar === "" || lastChar === "\n")) {
          swallowSpaces = true; // nothing before it on this line: take the spaces after it instead
        } else if (next === undefined || isSpace(next) || next === "\n" || next === "\r" || sentencePunctuation.test(next)) {
          spaces = ""; // the marker takes the space before it along
        }
      }
      i = scan.end;
    }

    if (spaces !== "") {
      if (final) out += spaces;
      else held = spaces;
    }
    return out;
  }

  return {
    push(text: string): string {
      if (text === "") return "";
      return process(held + text, false);
    },
    flush(): string {
      const rest = held;
      held = "";
      return rest === "" ? "" : process(rest, true);
    },
  };
}
