/** Text shortened for a terminal line. */

/** Whitespace collapsed and cut to `max` characters with `…`. */
export function oneLine(text: string, max: number): string {
  const collapsed = text.replace(/\s+/g, " ").trim();
  return collapsed.length <= max ? collapsed : `${collapsed.slice(0, max - 1).trimEnd()}…`;
}
