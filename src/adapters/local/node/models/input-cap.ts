/**
 * Per-text input caps of local models. Real embedding models read at most a
 * fixed number of tokens and silently drop the rest (bge: 512 tokens, which
 * transformers.js applies itself through `truncation: true` and the
 * tokenizer's `model_max_length`). A local model without such a limit of its
 * own declares a character cap instead, and texts are cut to it before they
 * are embedded, so one huge text costs no more than one long passage.
 *
 * Promises: a text within the cap is returned unchanged (same string, so its
 * vector is exactly what the model gave before caps existed); a longer text is
 * cut to its first `maxChars` UTF-16 code units, one fewer when the cut would
 * split a surrogate pair; the result never grows and cutting twice changes
 * nothing.
 */

/** `text` cut to at most `maxChars` UTF-16 code units (no cap when `maxChars` is undefined). */
export function capText(text: string, maxChars: number | undefined): string {
  if (maxChars === undefined || text.length <= maxChars) return text;
  let end = maxChars;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1)) && isLowSurrogate(text.charCodeAt(end))) end -= 1;
  return text.slice(0, end);
}

/** `capText` over a batch; returns the same array when no text is over the cap. */
export function capTexts(texts: string[], maxChars: number | undefined): string[] {
  if (maxChars === undefined || texts.every((text) => text.length <= maxChars)) return texts;
  return texts.map((text) => capText(text, maxChars));
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
