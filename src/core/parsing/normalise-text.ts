/**
 * Text normalisation shared by every format's parser: line endings, control
 * characters, lone surrogates, and what counts as visible text.
 */

const lineBreakControls = /[\v\f\u0085]/g;
const controlCharacters = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F]/g;
const loneSurrogates = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Strips a leading BOM, turns CRLF/CR (and vertical tab, form feed, NEL)
 * into `\n`, removes every other control character except `\t`, and replaces
 * lone surrogates with U+FFFD so the text survives JSON and UTF-8 encoding.
 */
export function normaliseText(content: string): string {
  const withoutBom = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  return withoutBom
    .replace(/\r\n?/g, "\n")
    .replace(lineBreakControls, "\n")
    .replace(controlCharacters, "")
    .replace(loneSurrogates, "\uFFFD");
}

/** Whether `text` has a non-whitespace character between `start` and `end`. */
export function hasVisibleText(text: string, start = 0, end = text.length): boolean {
  for (let i = start; i < end; i++) {
    if (!isWhitespace(text.charCodeAt(i))) return true;
  }
  return false;
}

/** Same set as the regex `\s`, which the tokenizer uses. */
function isWhitespace(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Whitespace runs collapsed to one space, trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
