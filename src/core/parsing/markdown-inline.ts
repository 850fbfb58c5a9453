/**
 * Markdown inline content to plain text, for heading paths and titles: code
 * spans, emphasis, links, images, autolinks, inline HTML, escapes and
 * entities.
 */

/** Longer heading sources are cut before inline parsing (no heading is that long; keeps the regexes cheap). */
export const maxHeadingSourceLength = 1000;
const asciiPunctuation = /[!-/:-@[-`{-~]/;
const escapeMarker = "\uE000";

/**
 * Plain text of markdown inline content: code spans keep their content,
 * emphasis markers, link and image syntax (`[text](url)` → text), autolink
 * brackets and inline HTML tags are removed, backslash escapes and common
 * entities are resolved, whitespace is collapsed.
 */
export function plainHeadingText(source: string): string {
  const input = (source.length > maxHeadingSourceLength ? source.slice(0, maxHeadingSourceLength) : source).replaceAll(escapeMarker, "");
  const escaped: string[] = [];
  let out = "";
  let prose = "";
  let i = 0;
  while (i < input.length) {
    const char = input[i] ?? "";
    const following = input[i + 1];
    if (char === "\\" && following !== undefined && asciiPunctuation.test(following)) {
      prose += escapeMarker + String.fromCharCode(0xe100 + escaped.length);
      escaped.push(following);
      i += 2;
      continue;
    }
    if (char === "`") {
      let runEnd = i;
      while (input[runEnd] === "`") runEnd++;
      const close = closingBackticks(input, runEnd, runEnd - i);
      if (close < 0) {
        prose += input.slice(i, runEnd);
        i = runEnd;
        continue;
      }
      out += proseToPlain(prose);
      prose = "";
      let code = input.slice(runEnd, close).replace(/\n/g, " ");
      if (code.length >= 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim()) code = code.slice(1, -1);
      out += code.replaceAll(escapeMarker, "");
      i = close + (runEnd - i);
      continue;
    }
    prose += char;
    i++;
  }
  out += proseToPlain(prose);
  return out
    .replace(/\uE000([\uE100-\uF8FF])/g, (_, index: string) => escaped[index.charCodeAt(0) - 0xe100] ?? "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Start of the backtick run of exactly `length` closing a code span, or -1. */
function closingBackticks(input: string, from: number, length: number): number {
  let i = input.indexOf("`", from);
  while (i >= 0) {
    let runEnd = i;
    while (input[runEnd] === "`") runEnd++;
    if (runEnd - i === length) return i;
    i = input.indexOf("`", runEnd);
  }
  return -1;
}

function proseToPlain(prose: string): string {
  if (!prose) return prose;
  const withoutSyntax = prose
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, "$1")
    .replace(/<((?:https?|ftp|mailto):[^\s<>]*)>/gi, "$1")
    .replace(/<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g, "");
  return decodeEntities(stripEmphasis(withoutSyntax));
}

/** Removes `*`, `_` and `~~` delimiter runs that touch a word; keeps `a * b` and `snake_case`. */
function stripEmphasis(text: string): string {
  return text.replace(/[*_]+|~~+/g, (run: string, offset: number) => {
    const before = text[offset - 1] ?? " ";
    const after = text[offset + run.length] ?? " ";
    const spaceBefore = /\s/.test(before);
    const spaceAfter = /\s/.test(after);
    if (spaceBefore && spaceAfter) return run;
    if (run.startsWith("_") && /[\p{L}\p{N}]/u.test(before) && /[\p{L}\p{N}]/u.test(after)) return run;
    return "";
  });
}

const namedEntities: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  copy: "©",
  reg: "®",
  trade: "™",
};

function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));/g, (entity, decimal?: string, hex?: string, name?: string) => {
    if (name !== undefined) return namedEntities[name] ?? entity;
    const code = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex ?? "", 16);
    const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
    return valid ? String.fromCodePoint(code) : "\uFFFD";
  });
}

