/**
 * Document parsing for ingestion: turns a stored raw document (plain text,
 * markdown or HTML) into normalised text plus its heading structure, which
 * the chunker uses to keep chunks inside sections and to label them.
 *
 * HTML is rendered to markdown-like text first, so sections of markdown and
 * HTML documents are computed by the same markdown heading scanner.
 */
import { ElementType, parseDocument as parseHtmlDom } from "htmlparser2";
import { PermanentError } from "../errors.js";

export type DocumentFormat = "text" | "markdown" | "html";

/** The body of one section: offsets into `ParsedDocument.text`, heading line excluded. */
export interface DocumentSection {
  /** Plain-text headings from the outermost to the section's own heading; `[]` before the first heading. */
  headingPath: string[];
  start: number;
  end: number;
}

export interface ParsedDocument {
  text: string;
  title?: string;
  /** In document order, non-overlapping; sections with an empty body are kept (they produce no chunks). */
  sections: DocumentSection[];
}

/**
 * Parses a raw document into normalised text and heading sections.
 *
 * - text: line endings normalised, BOM and control characters removed; one
 *   untitled section.
 * - markdown: `text` is the normalised markdown (offsets point into what was
 *   sent); ATX and setext headings outside code blocks define sections; YAML
 *   front matter is skipped and its `title:` used as title (else the first h1).
 * - html: rendered to markdown-like text (headings as `#` lines, lists,
 *   tables, fenced `pre` blocks), page chrome and hidden content dropped;
 *   title from `<title>`, else the first h1.
 *
 * A document with no text yields `{ text: "", sections: [] }`; the caller
 * decides what that means. Throws `PermanentError` only for input that cannot
 * be processed at all (not a string, unknown format).
 */
export function parseDocument(content: string, format: DocumentFormat): ParsedDocument {
  if (typeof content !== "string") throw new PermanentError("document content is not text");
  switch (format) {
    case "text":
      return parsePlainText(content);
    case "markdown":
      return parseMarkdown(content);
    case "html":
      return parseHtml(content);
    default:
      throw new PermanentError(`unsupported document format: ${String(format)}`);
  }
}

// ---------------------------------------------------------------------------
// Normalisation

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

function hasVisibleText(text: string, start = 0, end = text.length): boolean {
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

// ---------------------------------------------------------------------------
// Plain text

function parsePlainText(content: string): ParsedDocument {
  const text = normaliseText(content);
  if (!hasVisibleText(text)) return { text: "", sections: [] };
  return { text, sections: [{ headingPath: [], start: 0, end: text.length }] };
}

// ---------------------------------------------------------------------------
// Markdown

function parseMarkdown(content: string): ParsedDocument {
  const text = normaliseText(content);
  const frontMatter = readFrontMatter(text);
  const bodyStart = frontMatter?.end ?? 0;
  const { sections, firstH1 } = markdownSections(text, bodyStart);
  const title = frontMatter?.title ?? firstH1;
  if (!hasVisibleText(text, bodyStart)) return withTitle({ text: "", sections: [] }, title);
  return withTitle({ text, sections }, title);
}

function withTitle(doc: ParsedDocument, title: string | undefined): ParsedDocument {
  return title ? { ...doc, title } : doc;
}

/** A fenced code block's opening marker. */
export interface CodeFence {
  char: "`" | "~";
  length: number;
}

/**
 * The fence a line opens (up to 3 spaces, then 3+ backticks or tildes; a
 * backtick fence's info string may not contain backticks), or null.
 * Shared with the chunker so both agree on what is code.
 */
export function openingFence(line: string): CodeFence | null {
  const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
  if (!match) return null;
  const marker = match[1] ?? "";
  if (marker.startsWith("`") && (match[2] ?? "").includes("`")) return null;
  return { char: marker.startsWith("`") ? "`" : "~", length: marker.length };
}

/** Whether `line` closes `fence`: same character, at least as long, nothing after it. */
export function closesFence(line: string, fence: CodeFence): boolean {
  const match = /^ {0,3}(`+|~+)[ \t]*$/.exec(line);
  const marker = match?.[1];
  return marker !== undefined && marker.startsWith(fence.char) && marker.length >= fence.length;
}

interface FrontMatter {
  end: number;
  title?: string;
}

/**
 * YAML front matter: a `---` line at the very top, up to the next `---` or
 * `...` line. Only taken as front matter when some line looks like a YAML
 * key, so a document that merely opens with a thematic break keeps its text.
 */
function readFrontMatter(text: string): FrontMatter | null {
  const firstLineEnd = text.indexOf("\n");
  if (firstLineEnd < 0 || text.slice(0, firstLineEnd).trimEnd() !== "---") return null;
  const lines: string[] = [];
  let pos = firstLineEnd + 1;
  while (pos < text.length) {
    const newline = text.indexOf("\n", pos);
    const lineEnd = newline < 0 ? text.length : newline;
    const line = text.slice(pos, lineEnd);
    const marker = line.trimEnd();
    if (marker === "---" || marker === "...") {
      if (!lines.some((entry) => /^[^\s#:][^:]*:(?:\s|$)/.test(entry))) return null;
      const title = yamlTitle(lines);
      return { end: newline < 0 ? text.length : newline + 1, ...(title ? { title } : {}) };
    }
    lines.push(line);
    pos = lineEnd + 1;
  }
  return null;
}

/** The top-level `title:` scalar of front matter lines (plain, quoted, or block scalar). */
function yamlTitle(lines: string[]): string | undefined {
  for (let i = 0; i < lines.length; i++) {
    const match = /^title[ \t]*:(.*)$/i.exec(lines[i] ?? "");
    if (!match) continue;
    let value = (match[1] ?? "").slice(0, maxHeadingSourceLength).trim();
    if (value.startsWith('"')) {
      const close = /^"((?:[^"\\]|\\.)*)"/.exec(value);
      const body = close ? (close[1] ?? "") : value.slice(1);
      value = body.replace(/\\(["\\/])/g, "$1").replace(/\\n/g, " ").replace(/\\t/g, " ");
    } else if (value.startsWith("'")) {
      const close = /^'((?:[^']|'')*)'/.exec(value);
      value = (close ? (close[1] ?? "") : value.slice(1)).replace(/''/g, "'");
    } else if (/^[|>][+-]?\d*(?:\s+#.*)?$/.test(value) || value === "") {
      const continuation: string[] = [];
      for (let j = i + 1; j < lines.length && /^[ \t]+\S/.test(lines[j] ?? ""); j++) continuation.push((lines[j] ?? "").trim());
      value = continuation.join(" ");
    } else {
      value = value.replace(/[ \t]+#.*$/, "");
    }
    value = value.replace(/\s+/g, " ").trim();
    return value || undefined;
  }
  return undefined;
}

interface HeadingLine {
  /** Offset of the heading's first line (for setext headings, the first text line). */
  start: number;
  /** Offset just after the heading's last line. */
  bodyStart: number;
  level: number;
  text: string;
}

/**
 * Sections of markdown `text` from offset `from` (after front matter), and
 * the first non-empty h1. Used for markdown documents and for the rendered
 * text of HTML documents.
 */
function markdownSections(text: string, from: number): { sections: DocumentSection[]; firstH1?: string } {
  const headings = findHeadings(text, from);
  const sections: DocumentSection[] = [];
  const firstHeadingStart = headings[0]?.start ?? text.length;
  if (hasVisibleText(text, from, firstHeadingStart)) sections.push({ headingPath: [], start: from, end: firstHeadingStart });

  const open: Array<{ level: number; text: string }> = [];
  headings.forEach((heading, index) => {
    while (open.length > 0 && (open[open.length - 1]?.level ?? 0) >= heading.level) open.pop();
    // An empty heading closes deeper levels but adds no path entry.
    if (heading.text) open.push({ level: heading.level, text: heading.text });
    const end = headings[index + 1]?.start ?? text.length;
    sections.push({ headingPath: open.map((entry) => entry.text), start: heading.bodyStart, end });
  });

  const firstH1 = headings.find((heading) => heading.level === 1 && heading.text)?.text;
  return firstH1 ? { sections, firstH1 } : { sections };
}

/**
 * Scans lines for ATX and setext headings, skipping fenced and indented
 * code and HTML comments. Setext underlines only count after a plain
 * paragraph (not a list item or block quote); `---` after a blank line is a
 * thematic break.
 */
function findHeadings(text: string, from: number): HeadingLine[] {
  const headings: HeadingLine[] = [];
  let fence: CodeFence | null = null;
  let inComment = false;
  let paragraph: { start: number; plain: boolean } | null = null;

  for (let pos = from; pos < text.length; ) {
    const newline = text.indexOf("\n", pos);
    const lineEnd = newline < 0 ? text.length : newline;
    const next = newline < 0 ? text.length : newline + 1;
    const line = text.slice(pos, lineEnd);
    const lineStart = pos;
    pos = next;

    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    if (inComment) {
      if (line.includes("-->")) inComment = false;
      continue;
    }
    if (!hasVisibleText(line)) {
      paragraph = null;
      continue;
    }
    if (indentWidth(line) >= 4) {
      // Indented code, or a lazy continuation of an open paragraph.
      continue;
    }
    const opened = openingFence(line);
    if (opened) {
      fence = opened;
      paragraph = null;
      continue;
    }
    const atx = /^ {0,3}(#{1,6})(?:[ \t]|$)/.exec(line);
    if (atx) {
      const level = atx[1]?.length ?? 1;
      const content = stripClosingSequence(line.slice(atx[0].length));
      headings.push({ start: lineStart, bodyStart: next, level, text: plainHeadingText(content) });
      paragraph = null;
      continue;
    }
    const underline = /^ {0,3}(=+|-+)[ \t]*$/.exec(line);
    if (underline && paragraph?.plain) {
      const source = text.slice(paragraph.start, Math.min(lineStart, paragraph.start + maxHeadingSourceLength));
      headings.push({
        start: paragraph.start,
        bodyStart: next,
        level: underline[1]?.startsWith("=") ? 1 : 2,
        text: plainHeadingText(source.split("\n").map((part) => part.trim()).join(" ")),
      });
      paragraph = null;
      continue;
    }
    if (isThematicBreak(line)) {
      paragraph = null;
      continue;
    }
    const trimmed = line.trimStart();
    if (trimmed.startsWith("<!--")) {
      if (!trimmed.includes("-->", 4)) inComment = true;
      paragraph = null;
      continue;
    }
    if (/^ {0,3}(?:>|[-+*](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$))/.test(line)) {
      // Block quotes and list items: an underline below them is not a setext heading.
      paragraph = { start: lineStart, plain: false };
      continue;
    }
    if (!paragraph) paragraph = { start: lineStart, plain: true };
  }
  return headings;
}

/** Leading indentation in columns (tabs advance to the next multiple of 4). */
function indentWidth(line: string): number {
  let width = 0;
  for (const char of line) {
    if (char === " ") width += 1;
    else if (char === "\t") width += 4 - (width % 4);
    else break;
    if (width >= 4) break;
  }
  return width;
}

function isThematicBreak(line: string): boolean {
  if (indentWidth(line) >= 4) return false;
  const compact = line.replace(/[ \t]/g, "");
  const first = compact[0];
  if (compact.length < 3 || (first !== "*" && first !== "-" && first !== "_")) return false;
  for (const char of compact) if (char !== first) return false;
  return true;
}

/** ATX heading content without its optional closing `#` sequence. */
function stripClosingSequence(content: string): string {
  let end = content.length;
  while (end > 0 && (content[end - 1] === " " || content[end - 1] === "\t")) end--;
  let hashes = end;
  while (hashes > 0 && content[hashes - 1] === "#") hashes--;
  if (hashes < end && (hashes === 0 || content[hashes - 1] === " " || content[hashes - 1] === "\t")) end = hashes;
  return content.slice(0, end).trim();
}

// ---------------------------------------------------------------------------
// Markdown inline → plain text (heading paths)

/** Longer heading sources are cut before inline parsing (no heading is that long; keeps the regexes cheap). */
const maxHeadingSourceLength = 1000;
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

/** Backslash-escapes a heading's text when markdown syntax in it would otherwise change its plain text. */
function escapeHeadingText(text: string): string {
  if (plainHeadingText(stripClosingSequence(text)) === text) return text;
  return text.replace(/[\\`*_[\]<>~&!#]/g, "\\$&");
}

// ---------------------------------------------------------------------------
// HTML

type HtmlDocument = ReturnType<typeof parseHtmlDom>;
type HtmlNode = HtmlDocument | HtmlDocument["children"][number];
type HtmlElement = Extract<HtmlNode, { attribs: Record<string, string> }>;

/** Never rendered, with everything inside them. */
const droppedElements = new Set([
  "head",
  "title",
  "script",
  "style",
  "noscript",
  "template",
  "svg",
  "canvas",
  "iframe",
  "object",
  "embed",
  "audio",
  "video",
  "button",
  "select",
  "datalist",
  "textarea",
  "input",
  "map",
]);

/** Separated from surrounding text by a blank line. */
const paragraphElements = new Set([
  "p",
  "div",
  "section",
  "article",
  "main",
  "header",
  "footer",
  "aside",
  "nav",
  "blockquote",
  "figure",
  "address",
  "fieldset",
  "form",
  "hgroup",
  "details",
  "dialog",
  "center",
  "search",
  "dl",
  "table",
  "hr",
  "body",
  "html",
]);

/** On a line of their own. */
const lineElements = new Set(["dt", "dd", "figcaption", "caption", "summary", "legend"]);

/** Elements whose header/footer/aside children belong to the content rather than the page. */
const sectioningElements = new Set(["article", "section", "main", "blockquote", "details"]);

function isElement(node: HtmlNode): node is HtmlElement {
  return "attribs" in node;
}

function childrenOf(node: HtmlNode): HtmlNode[] {
  return "children" in node ? node.children : [];
}

function role(element: HtmlElement): string {
  return (element.attribs.role ?? "").trim().toLowerCase();
}

function isHidden(element: HtmlElement): boolean {
  const { attribs } = element;
  if ("hidden" in attribs && attribs.hidden?.toLowerCase() !== "until-found") return true;
  if ((attribs["aria-hidden"] ?? "").trim().toLowerCase() === "true") return true;
  if (element.name === "dialog" && !("open" in attribs)) return true;
  return /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)/i.test(attribs.style ?? "");
}

/** Removed together with their content wherever they are. */
function isNeverRendered(element: HtmlElement): boolean {
  return droppedElements.has(element.name) || isHidden(element);
}

function parseHtml(content: string): ParsedDocument {
  const dom = parseHtmlDom(normaliseText(content), { decodeEntities: true });
  const headTitle = collapseWhitespace(textContent(findFirst(dom, (element) => element.name === "title")));

  const { mains, articles } = findContentRoots(dom);
  const preferred = mains.length > 0 ? mains : articles.length === 1 ? articles : null;
  let text = preferred ? renderHtml(preferred, true) : "";
  // A page whose <main> is an empty shell still has its text elsewhere.
  if (!hasVisibleText(text)) text = renderHtml([dom], false);
  text = normaliseText(text);

  const { sections, firstH1 } = markdownSections(text, 0);
  const title = headTitle || firstH1;
  if (!hasVisibleText(text)) return withTitle({ text: "", sections: [] }, title);
  return withTitle({ text, sections }, title);
}

/** Iterative depth-first search (pages can nest deeper than the call stack allows) over rendered elements. */
function findFirst(root: HtmlNode, predicate: (element: HtmlElement) => boolean): HtmlElement | null {
  const stack: HtmlNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as HtmlNode;
    if (isElement(node)) {
      if (predicate(node)) return node;
      if (node.name === "svg" || node.name === "math") continue;
    }
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as HtmlNode);
  }
  return null;
}

function textContent(node: HtmlNode | null): string {
  if (!node) return "";
  const parts: string[] = [];
  const stack: HtmlNode[] = [node];
  while (stack.length > 0) {
    const current = stack.pop() as HtmlNode;
    if (current.type === ElementType.Text) parts.push(current.data);
    const children = childrenOf(current);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as HtmlNode);
  }
  return parts.join("");
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Visible `<main>` (or role=main) elements, outermost only, and visible outermost `<article>`s. */
function findContentRoots(dom: HtmlDocument): { mains: HtmlElement[]; articles: HtmlElement[] } {
  const mains: HtmlElement[] = [];
  const articles: HtmlElement[] = [];
  const stack: Array<{ node: HtmlNode; inArticle: boolean }> = [{ node: dom, inArticle: false }];
  while (stack.length > 0) {
    const { node, inArticle } = stack.pop() as { node: HtmlNode; inArticle: boolean };
    let nested = inArticle;
    if (isElement(node)) {
      if (isNeverRendered(node)) continue;
      if (node.name === "main" || role(node) === "main") {
        mains.push(node);
        continue;
      }
      if (node.name === "article" && !inArticle) {
        articles.push(node);
        nested = true;
      }
    }
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i] as HtmlNode, inArticle: nested });
  }
  return { mains, articles };
}

/**
 * Page chrome outside the content: `nav` (and role=navigation) anywhere;
 * `header`, `footer`, `aside` (and roles banner, contentinfo, complementary)
 * only when no sectioning element (article, section, main, blockquote) encloses
 * them, since inside one they belong to that content. A page-level header
 * that holds an h1 is kept: it carries the page's title, not navigation.
 */
function isChrome(element: HtmlElement, insideSectioning: boolean): boolean {
  const elementRole = role(element);
  if (element.name === "nav" || elementRole === "navigation") return true;
  if (insideSectioning) return false;
  if (element.name === "header" || elementRole === "banner") return findFirst(element, (inner) => inner.name === "h1") === null;
  return element.name === "footer" || element.name === "aside" || elementRole === "contentinfo" || elementRole === "complementary";
}

interface ListState {
  ordered: boolean;
  next: number;
}

/** Renders the given roots (in order) to markdown-like text. */
function renderHtml(roots: HtmlNode[], insideContentRoot: boolean): string {
  const writer = new MarkdownWriter();
  const lists: ListState[] = [];
  const rows: Array<{ cells: number }> = [];
  let sectioningDepth = insideContentRoot ? 1 : 0;
  let pre: { parts: string[]; language: string } | null = null;

  type Step = HtmlNode | (() => void);
  const stack: Step[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i] as HtmlNode);

  while (stack.length > 0) {
    const step = stack.pop() as Step;
    if (typeof step === "function") {
      step();
      continue;
    }
    if (step.type === ElementType.Text) {
      if (pre) pre.parts.push(step.data);
      else writer.text(step.data);
      continue;
    }
    if (!isElement(step)) {
      if (step.type === ElementType.Root) for (let i = step.children.length - 1; i >= 0; i--) stack.push(step.children[i] as HtmlNode);
      continue;
    }

    const element = step;
    const name = element.name;
    if (isNeverRendered(element) || isChrome(element, sectioningDepth > 0)) continue;
    if (name === "math") {
      // MathML flattens to unreadable runs (and repeats its TeX annotation); its alttext is the readable form.
      const alt = collapseWhitespace(element.attribs.alttext ?? "");
      if (alt) {
        if (pre) pre.parts.push(alt);
        else writer.text(alt);
      }
      continue;
    }

    const closers: Array<() => void> = [];
    const sectioning = sectioningElements.has(name) || role(element) === "main" || role(element) === "article";
    if (sectioning) {
      sectioningDepth++;
      closers.push(() => sectioningDepth--);
    }

    if (pre) {
      // Inside <pre> everything is verbatim text; <br> is a newline.
      if (name === "br") pre.parts.push("\n");
      if (name === "code" && !pre.language) pre.language = codeLanguage(element);
    } else if (name === "pre" && !writer.inline) {
      const state = { parts: [] as string[], language: codeLanguage(element) };
      pre = state;
      closers.push(() => {
        pre = null;
        writer.codeBlock(state.parts.join(""), state.language);
      });
    } else if (/^h[1-6]$/.test(name) && !writer.inline) {
      writer.beginHeading();
      closers.push(() => writer.endHeading(Number(name.slice(1))));
    } else if (name === "br") {
      writer.lineBreak();
    } else if (name === "img") {
      const alt = collapseWhitespace(element.attribs.alt ?? "");
      if (alt) writer.text(`[${alt}]`);
    } else if (name === "ul" || name === "ol" || name === "menu") {
      const start = Number.parseInt(element.attribs.start ?? "", 10);
      const breaks = lists.length > 0 ? 1 : 2;
      writer.blockBreak(breaks);
      lists.push({ ordered: name === "ol", next: Number.isFinite(start) ? start : 1 });
      closers.push(() => {
        lists.pop();
        writer.blockBreak(breaks);
      });
    } else if (name === "li") {
      writer.blockBreak(1);
      const list = lists[lists.length - 1];
      const marker = list?.ordered ? `${list.next++}. ` : "- ";
      writer.beginListItem(marker);
      closers.push(() => {
        writer.endListItem();
        writer.blockBreak(1);
      });
    } else if (name === "tr") {
      writer.blockBreak(1);
      rows.push({ cells: 0 });
      closers.push(() => {
        rows.pop();
        writer.blockBreak(1);
      });
    } else if (name === "td" || name === "th") {
      const row = rows[rows.length - 1];
      if (row && row.cells++ > 0) writer.cellSeparator();
      writer.enterInline();
      closers.push(() => writer.exitInline());
    } else if (paragraphElements.has(name) || /^h[1-6]$/.test(name) || name === "pre") {
      writer.blockBreak(2);
      closers.push(() => writer.blockBreak(2));
    } else if (lineElements.has(name)) {
      writer.blockBreak(1);
      closers.push(() => writer.blockBreak(1));
    }

    if (closers.length > 0) stack.push(() => closers.reverse().forEach((close) => close()));
    for (let i = element.children.length - 1; i >= 0; i--) stack.push(element.children[i] as HtmlNode);
  }
  return writer.toString();
}

function codeLanguage(element: HtmlElement): string {
  const match = /(?:^|\s)(?:language|lang)-([\w+#.-]+)/.exec(element.attribs.class ?? "");
  return match?.[1] ?? "";
}

/**
 * Builds markdown-like text from a stream of inline text and block
 * boundaries: collapses whitespace, emits blank lines between blocks,
 * prefixes list items, and escapes line starts that markdown would read as
 * headings or code fences, so the section scanner sees only real headings.
 */
class MarkdownWriter {
  private readonly out: string[] = [];
  private pendingBreaks = 0;
  private pendingSpace = false;
  private atLineStart = true;
  private hasContent = false;
  private readonly listItems: Array<{ marker: string; indent: string; used: boolean }> = [];
  private inlineDepth = 0;
  private heading: string[] | null = null;
  /** Table cell separators waiting for the next cell with text (trailing empty cells add nothing). */
  private pendingSeparators = 0;

  /** Inside a table cell or heading: block boundaries become spaces. */
  get inline(): boolean {
    return this.inlineDepth > 0 || this.heading !== null;
  }

  enterInline(): void {
    this.inlineDepth++;
  }

  exitInline(): void {
    this.inlineDepth--;
  }

  text(raw: string): void {
    if (this.heading) {
      this.heading.push(raw);
      return;
    }
    const collapsed = raw.replace(/\s+/g, " ");
    const core = collapsed.trim();
    if (collapsed.startsWith(" ")) this.pendingSpace = true;
    if (core) this.writeContent(core);
    if (core && collapsed.endsWith(" ")) this.pendingSpace = true;
  }

  blockBreak(breaks: 1 | 2): void {
    if (this.inline) {
      this.space();
      return;
    }
    if (this.hasContent) this.pendingBreaks = Math.max(this.pendingBreaks, breaks);
    this.pendingSpace = false;
    this.pendingSeparators = 0;
  }

  lineBreak(): void {
    if (this.inline) {
      this.space();
      return;
    }
    if (this.hasContent) this.pendingBreaks = Math.min(2, this.pendingBreaks + 1);
    this.pendingSpace = false;
    this.pendingSeparators = 0;
  }

  /** ` | ` between table cells; written lazily so empty trailing cells leave no dangling bar. */
  cellSeparator(): void {
    if (this.heading) this.heading.push(" ");
    else this.pendingSeparators++;
  }

  beginListItem(marker: string): void {
    if (this.inline) {
      this.space();
      return;
    }
    // An outer item that has shown no text yet gives up its marker to the inner one.
    for (const item of this.listItems) item.used = true;
    const parentIndent = this.listItems[this.listItems.length - 1]?.indent ?? "";
    this.listItems.push({ marker: parentIndent + marker, indent: parentIndent + " ".repeat(marker.length), used: false });
  }

  endListItem(): void {
    if (!this.inline) this.listItems.pop();
  }

  beginHeading(): void {
    this.heading = [];
  }

  endHeading(level: number): void {
    const text = collapseWhitespace((this.heading ?? []).join(" "));
    this.heading = null;
    if (!text) return;
    this.writeBlock(`${"#".repeat(level)} ${escapeHeadingText(text)}`);
  }

  codeBlock(raw: string, language: string): void {
    const code = (raw.startsWith("\n") ? raw.slice(1) : raw).trimEnd();
    if (!code.trim()) return;
    let longestRun = 0;
    for (const run of code.match(/`+/g) ?? []) longestRun = Math.max(longestRun, run.length);
    const fence = "`".repeat(Math.max(3, longestRun + 1));
    this.writeBlock(`${fence}${language}\n${code}\n${fence}`);
  }

  toString(): string {
    return this.out.join("");
  }

  private space(): void {
    if (this.heading) this.heading.push(" ");
    else this.pendingSpace = true;
  }

  /** A whole block at column 0, separated by blank lines. */
  private writeBlock(block: string): void {
    if (this.hasContent) this.out.push("\n\n");
    this.out.push(block);
    for (const item of this.listItems) item.used = true;
    this.hasContent = true;
    this.atLineStart = false;
    this.pendingBreaks = 2;
    this.pendingSpace = false;
  }

  private writeContent(core: string): void {
    if (this.pendingBreaks > 0 && this.hasContent) {
      this.out.push("\n".repeat(this.pendingBreaks));
      this.atLineStart = true;
    }
    this.pendingBreaks = 0;
    const separators = this.pendingSeparators;
    this.pendingSeparators = 0;
    if (this.atLineStart) {
      let prefix = "";
      for (const item of this.listItems) {
        prefix += item.used ? "" : item.marker;
        item.used = true;
      }
      const current = this.listItems[this.listItems.length - 1];
      const linePrefix = prefix || current?.indent || "";
      this.out.push(linePrefix);
      // Text that markdown would read as a heading, setext underline, fence or comment.
      if (separators > 0) this.out.push(`|${" |".repeat(separators - 1)} `);
      else if (!/\S/.test(linePrefix) && /^(?:#|```|~~~|<!--|=+$|-+$)/.test(core)) this.out.push("\\");
    } else if (separators > 0) {
      this.out.push(`${" |".repeat(separators)} `);
    } else if (this.pendingSpace) {
      this.out.push(" ");
    }
    this.out.push(core);
    this.pendingSpace = false;
    this.atLineStart = false;
    this.hasContent = true;
  }
}
