/**
 * Declining: how an answer says "the documents do not answer this".
 *
 * Generators signal a decline with one exact marker phrase (LLMs are told to
 * reply with it when the sources do not contain the answer; the extractive
 * generator writes it when no sentence matches). The chat service runs the
 * generated text through `createDeclineFilter`, which removes the marker
 * wherever it appears — also split across streamed pieces — and reports that
 * it was seen; an answer that is only the marker becomes `declineMessage`
 * with `grounded: false` and no citations.
 */

/** What generators write, and nothing else, when the sources do not answer. */
export const declineMarker = "NOT_IN_DOCUMENTS";

/** What the API answers when it declines (clients may show their own, localised text when `grounded` is false). */
export const declineMessage = "I couldn't find this in the documents.";

export interface DeclineFilter {
  /** Feeds the next piece of text; returns what can be emitted now (the marker never is). */
  push(text: string): string;
  /** Ends the stream; returns everything still held back. */
  flush(): string;
  /** Whether the marker appeared. */
  readonly declined: boolean;
}

/** Length of the longest suffix of `text` that is a proper prefix of `declineMarker`. */
function partialMarkerTail(text: string): number {
  for (let length = Math.min(declineMarker.length - 1, text.length); length > 0; length--) {
    if (declineMarker.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}

/**
 * A streaming filter that removes the decline marker (and the punctuation a
 * model may put around it: backticks, quotes, a final full stop) and
 * remembers it saw it. Holds back only a tail that could be the marker's start.
 */
export function createDeclineFilter(): DeclineFilter {
  let held = "";
  let declined = false;
  const markerPattern = new RegExp(`[\`"'“”*_]*${declineMarker}[\`"'“”*_]*\\.?`, "g");
  const strip = (text: string): string =>
    text.replace(markerPattern, () => {
      declined = true;
      return "";
    });
  return {
    push(text: string): string {
      const combined = strip(held + text);
      const keep = partialMarkerTail(combined);
      held = combined.slice(combined.length - keep);
      return combined.slice(0, combined.length - keep);
    },
    flush(): string {
      const rest = strip(held);
      held = "";
      return rest;
    },
    get declined() {
      return declined;
    },
  };
}
