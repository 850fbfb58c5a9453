/**
 * Markdown to plain text, for showing a passage as a reader would see it
 * (search snippets): syntax removed, content kept. Links become their text,
 * images and HTML tags (and comments) go, emphasis, inline-code and heading
 * markers go, list and quote markers go, code blocks keep their code without
 * the fences, `:::` custom containers (VitePress `::: tip`, `::: code-group`)
 * keep only a title they carry, tables keep their cells, front matter and
 * link reference definitions go. Lines are joined with single spaces: the
 * result is one line. Pure; not a full CommonMark parser, but it never
 * drops words of the content it recognises.
 */

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", "#39": "'", mdash: "—", ndash: "–", hellip: "…" };

function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,6}|#x[0-9a-f]{1,6}|[a-z]+);/gi, (whole, name: string) => {
    const known = entities[name.toLowerCase()];
    if (known !== undefined) return known;
    const code = /^#x/i.test(name) ? parseInt(name.slice(2), 16) : /^#/.test(name) ? parseInt(name.slice(1), 10) : NaN;
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Inline syntax of one piece of text outside code spans. */
function plainInline(text: string): string {
  return decodeEntities(
    text
      .replace(/!\[[^\]]*\]\([^)]*\)/g, "") // images
      .replace(/!\[[^\]]*\]\[[^\]]*\]/g, "")
      .replace(/\[\^[^\]]*\]/g, "") // footnote references
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // links -> their text
      .replace(/\[([^\]]+)\]\[[^\]]*\]/g, "$1") // reference links
      .replace(/<((?:https?|mailto):[^\s>]+)>/gi, "$1") // autolinks
      .replace(/<\/?[A-Za-z][\w.:-]*(?:\s[^<>]*)?\/?>/g, " ") // HTML tags (and components such as <Badge />)
      .replace(/\*\*|__|~~/g, "")
      .replace(/(^|[^\p{L}\p{N}*_\\])[*_](?=\S)(.*?\S)[*_](?![\p{L}\p{N}*_])/gu, "$1$2") // *emphasis*, _emphasis_ (not snake_case)
      .replace(/\\([!-/:-@[-`{-~])/g, "$1"), // backslash escapes
  );
}

/** Inline syntax of a line: code spans keep their content as is, the rest loses its markup. */
function inline(line: string): string {
  let out = "";
  let last = 0;
  for (const match of line.matchAll(/(`+)(.+?)\1(?!`)/g)) {
    out += plainInline(line.slice(last, match.index)) + (match[2] ?? "").trim();
    last = match.index + match[0].length;
  }
  return out + plainInline(line.slice(last));
}

/** The plain text of a Markdown passage, on one line (see the file comment). */
export function markdownToPlainText(markdown: string): string {
  const pieces: string[] = [];
  let text = markdown.replace(/<!--[\s\S]*?(?:-->|$)/g, " ");
  text = text.replace(/^\uFEFF?---\r?\n[\s\S]*?\r?\n---\s*(?:\r?\n|$)/, ""); // front matter
  let fence: string | undefined;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    if (fence !== undefined) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(raw);
      if (close?.[1] !== undefined && close[1][0] === fence[0] && close[1].length >= fence.length) fence = undefined;
      else pieces.push(raw.trim());
      continue;
    }
    const open = /^\s*(`{3,}|~{3,})/.exec(raw);
    if (open?.[1] !== undefined) {
      fence = open[1];
      continue;
    }
    let line = raw.replace(/^\s*(?:>\s?)+/, ""); // blockquote markers
    const container = /^\s*:::+\s*[\w-]*\s*(.*)$/.exec(line);
    if (container) {
      if (container[1]) pieces.push(inline(container[1])); // a container's title ("::: tip Note")
      continue;
    }
    if (/^\s*\[[^\]]+\]:\s*\S+/.test(line)) continue; // link reference definition
    if (/^\s{0,3}(?:[-*_]\s*){3,}$/.test(line) || /^\s{0,3}(?:=+|-+)\s*$/.test(line)) continue; // rules, setext underlines
    if (/^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*\|?\s*$/.test(line)) continue; // table separator row
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) line = (heading[1] ?? "").replace(/\s*\{#[\w-]+\}$/, ""); // heading markers and anchors
    line = line.replace(/^\s*(?:[-*+•]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/, ""); // list markers, task boxes
    if (/^\s*\|/.test(line)) line = line.replace(/^\s*\||(?<!\\)\|\s*$/g, "").replace(/\s*(?<!\\)\|\s*/g, " · ").replace(/\\\|/g, "|"); // table row (cells split on unescaped pipes)
    pieces.push(inline(line));
  }
  return pieces.join(" ").replace(/\s+/g, " ").trim();
}
