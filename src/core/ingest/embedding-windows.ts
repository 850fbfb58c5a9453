/**
 * Plans the embedding calls of a queue batch: the documents' texts, in
 * order, cut into windows of at most `windowSize` texts. A window may span
 * several small documents (one call embeds them all: pooling), and a large
 * document spans several windows. Walking the windows in order, a consumer
 * holds at most one window of vectors in flight, so memory stays bounded
 * whatever the batch holds.
 */

/** Texts `from`..`to` (exclusive) of document `document` (its index in the input). */
export interface WindowSegment {
  document: number;
  from: number;
  to: number;
}

export interface EmbeddingWindow {
  segments: WindowSegment[];
  /** Total texts in the window (≤ windowSize). */
  size: number;
}

/**
 * Windows over documents with `textCounts[i]` texts each. Documents with no
 * texts appear in no window. `include(i)` is asked before each window is
 * yielded, so a document that failed meanwhile is skipped from then on.
 */
export function* embeddingWindows(textCounts: readonly number[], windowSize: number, include: (document: number) => boolean = () => true): Generator<EmbeddingWindow> {
  if (!Number.isInteger(windowSize) || windowSize < 1) throw new RangeError(`windowSize must be a positive integer (got ${windowSize})`);
  let segments: WindowSegment[] = [];
  let size = 0;
  for (let document = 0; document < textCounts.length; document++) {
    const count = textCounts[document]!;
    let from = 0;
    while (from < count) {
      if (!include(document)) break;
      const take = Math.min(count - from, windowSize - size);
      segments.push({ document, from, to: from + take });
      size += take;
      from += take;
      if (size === windowSize) {
        const live = segments.filter((segment) => include(segment.document));
        if (live.length > 0) yield { segments: live, size: live.reduce((sum, segment) => sum + segment.to - segment.from, 0) };
        segments = [];
        size = 0;
      }
    }
  }
  const live = segments.filter((segment) => include(segment.document));
  if (live.length > 0) yield { segments: live, size: live.reduce((sum, segment) => sum + segment.to - segment.from, 0) };
}
