/**
 * HTML documents: rendered to markdown-like text (headings as `#` lines,
 * lists, tables, fenced `pre` blocks), page chrome and hidden content
 * dropped, then sectioned by the markdown heading scanner; the title comes
 * from `<title>`, else the first h1.
 */
import { ElementType, parseDocument as parseHtmlDom } from "htmlparser2";
import { MarkdownWriter } from "./html-markdown-writer.js";
import { markdownSections } from "./markdown.js";
import { collapseWhitespace, hasVisibleText, normaliseText } from "./normalise-text.js";
import { withTitle, type ParsedDocument } from "./parsed-document.js";

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

export function parseHtml(content: string): ParsedDocument {
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
