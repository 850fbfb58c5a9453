/**
 * Bounds what a chat message sends to retrieval. A chat turn may hold up to
 * 32,000 characters (a pasted log, a long email); embedding models read at
 * most a few hundred tokens anyway (bge: 512), and embedding all of it locally
 * would occupy the model for many seconds. A long message is searched by its
 * head and its tail — where the question usually is — up to the same 4,096
 * characters that POST /v1/search accepts; the generator still sees the
 * whole message.
 */

/** The most characters a retrieval query holds (the same bound as POST /v1/search's `query`). */
export const maxRetrievalQueryChars = 4096;

const separator = "\n…\n";

/** `text` if it is short enough, else its first and last halves of the bound, joined by an ellipsis line; never splits a surrogate pair. */
export function boundRetrievalQuery(text: string, maxChars = maxRetrievalQueryChars): string {
  if (text.length <= maxChars) return text;
  const half = Math.floor((maxChars - separator.length) / 2);
  let headEnd = half;
  if (isHighSurrogate(text.charCodeAt(headEnd - 1))) headEnd -= 1;
  let tailStart = text.length - half;
  if (isLowSurrogate(text.charCodeAt(tailStart))) tailStart += 1;
  return `${text.slice(0, headEnd)}${separator}${text.slice(tailStart)}`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
