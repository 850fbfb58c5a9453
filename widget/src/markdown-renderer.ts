/**
 * A small Markdown renderer for chat answers: paragraphs (single line breaks
 * kept), headings (as bold lines, so answers do not disturb the page's
 * heading outline), emphasis, inline code, fenced code, lists, block quotes,
 * rules, links and bare URLs, and `[n]` citations as buttons. Raw HTML is not
 * supported: every character of the input is escaped, so model output can
 * only ever produce the tags built here. The result still goes through the
 * sanitiser (html-sanitizer.ts) before it touches the DOM.
 */

export interface MarkdownOptions {
  /** Citation numbers that become buttons (the answer's sources); other `[n]` stay text. */
  citations?: ReadonlySet<number>;
  /** Accessible name of the button for citation `n`. */
  citationLabel?: (n: number) => string;
}

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]!);
}

/** Only absolute http(s) and mailto links; anything else (javascript:, data:, relative) is dropped. */
export function isSafeUrl(url: string): boolean {
  return /^(?:https?:\/\/|mailto:)[^\s\u0000-\u001f\u007f]*$/i.test(url);
}

const listItemPattern = /^ {0,3}(?:([-*+])|(\d{1,9})[.)])\s+(.*)$/;
const maxQuoteDepth = 3;

/** Renders `markdown` to an HTML string (to be sanitised before use). */
export function renderMarkdown(markdown: string, options: MarkdownOptions = {}): string {
  return renderBlocks(markdown.replace(/\r\n?/g, "\n").split("\n"), options, 0);
}

function renderBlocks(lines: string[], options: MarkdownOptions, depth: number): string {
  let html = "";
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) html += `<p>${paragraph.map((line) => renderInline(line, options)).join("<br>")}</p>`;
    paragraph = [];
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!)) code.push(lines[i++]!);
      i++; // the closing fence (or the end)
      html += `<pre><code>${escapeHtml(code.join("\n"))}</code></pre>`;
      continue;
    }
    if (line.trim() === "") {
      flush();
      i++;
      continue;
    }
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) {
      flush();
      html += `<p class="heading"><strong>${renderInline(heading[1]!, options)}</strong></p>`;
      i++;
      continue;
    }
    if (/^ {0,3}([-*_])(?:\s*\1){2,}\s*$/.test(line)) {
      flush();
      html += "<hr>";
      i++;
      continue;
    }
    if (/^ {0,3}>/.test(line)) {
      flush();
      const quoted: string[] = [];
      while (i < lines.length && /^ {0,3}>/.test(lines[i]!)) quoted.push(lines[i++]!.replace(/^ {0,3}> ?/, ""));
      html +=
        depth < maxQuoteDepth
          ? `<blockquote>${renderBlocks(quoted, options, depth + 1)}</blockquote>`
          : `<blockquote><p>${quoted.map((quote) => renderInline(quote, options)).join("<br>")}</p></blockquote>`;
      continue;
    }
    const first = listItemPattern.exec(line);
    if (first) {
      flush();
      const ordered = first[2] !== undefined;
      const items: string[][] = [];
      while (i < lines.length) {
        const current = lines[i]!;
        const item = listItemPattern.exec(current);
        if (item && (item[2] !== undefined) === ordered) {
          items.push([item[3]!]);
          i++;
        } else if (/^\s{2,}\S/.test(current)) {
          items[items.length - 1]!.push(current.trim()); // continuation of the item
          i++;
        } else if (current.trim() === "" && i + 1 < lines.length && listItemPattern.test(lines[i + 1]!)) {
          i++; // a loose list: blank lines between items
        } else {
          break;
        }
      }
      const start = ordered && first[2] !== "1" ? ` start="${Number(first[2])}"` : "";
      const tag = ordered ? "ol" : "ul";
      html += `<${tag}${start}>${items.map((parts) => `<li>${parts.map((part) => renderInline(part, options)).join("<br>")}</li>`).join("")}</${tag}>`;
      continue;
    }
    paragraph.push(line.trim());
    i++;
  }
  flush();
  return html;
}

// Code spans | links and images | bare URLs | citations such as [1] or [1, 3].
const inlinePattern =
  /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|!?\[([^\]\n]{1,500})\]\(\s*<?([^\s<>()]{1,2048})>?(?:\s+"[^"\n]*")?\s*\)|https?:\/\/[^\s<>"'`]*[^\s<>"'`.,;:!?)\]]|\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]([.,;:!?]*)/g;

/** Renders one line of inline Markdown. */
export function renderInline(text: string, options: MarkdownOptions = {}): string {
  let html = "";
  let last = 0;
  for (const match of text.matchAll(inlinePattern)) {
    html += emphasis(escapeHtml(text.slice(last, match.index)));
    last = match.index + match[0].length;
    if (match[1] !== undefined) {
      html += `<code>${escapeHtml(match[2]!)}</code>`;
    } else if (match[3] !== undefined) {
      const label = emphasis(escapeHtml(match[3]));
      html += isSafeUrl(match[4]!) ? `<a href="${escapeHtml(match[4]!)}">${label}</a>` : label;
    } else if (match[5] !== undefined) {
      html += citations(match[0], match[5], match[6]!, options);
    } else {
      html += isSafeUrl(match[0]) ? `<a href="${escapeHtml(match[0])}">${escapeHtml(match[0])}</a>` : escapeHtml(match[0]);
    }
  }
  return html + emphasis(escapeHtml(text.slice(last)));
}

/** Citation buttons; punctuation right after them stays on their line ("Time [1]." never wraps before the "."). */
function citations(raw: string, list: string, punctuation: string, options: MarkdownOptions): string {
  const numbers = list.split(",").map((n) => Number(n.trim()));
  if (!options.citations || !numbers.every((n) => options.citations!.has(n))) return escapeHtml(raw);
  const label = options.citationLabel ?? ((n: number) => `Source ${n}`);
  const buttons = numbers
    .map((n) => `<button type="button" class="cite" data-cite="${n}" data-testid="rag-chat-citation" aria-label="${escapeHtml(label(n))}">${n}</button>`)
    .join("");
  return punctuation ? `<span class="nowrap">${buttons}${punctuation}</span>` : buttons;
}

/** Bold and italic on already-escaped text (so adding tags cannot open a hole). */
function emphasis(escaped: string): string {
  return escaped
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*|__(?=\S)([\s\S]*?\S)__/g, (_match, a?: string, b?: string) => `<strong>${a ?? b}</strong>`)
    .replace(/\*([^\s*](?:[^*]*?[^\s*])?)\*/g, "<em>$1</em>")
    .replace(/(^|[^\w&])_([^\s_](?:[^_]*?[^\s_])?)_(?!\w)/g, "$1<em>$2</em>");
}
