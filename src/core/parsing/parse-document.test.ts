import { describe, expect, it } from "vitest";
import { PermanentError } from "../errors.js";
import { type DocumentFormat, type ParsedDocument, normaliseText, parseDocument, plainHeadingText } from "./parse-document.js";

/** Each section as [heading path joined with " > ", trimmed body text]. */
function outline(doc: ParsedDocument): Array<[string, string]> {
  return doc.sections.map((section) => [section.headingPath.join(" > "), doc.text.slice(section.start, section.end).trim()]);
}

function headingPaths(doc: ParsedDocument): string[][] {
  return doc.sections.map((section) => section.headingPath);
}

/** Structural guarantees every parse result must meet. */
function expectWellFormed(doc: ParsedDocument): void {
  let previousEnd = 0;
  for (const section of doc.sections) {
    expect(section.start).toBeGreaterThanOrEqual(previousEnd);
    expect(section.end).toBeGreaterThanOrEqual(section.start);
    expect(section.end).toBeLessThanOrEqual(doc.text.length);
    expect(section.headingPath.every((heading) => heading.length > 0)).toBe(true);
    previousEnd = section.end;
  }
  expect(doc.text).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F\uFEFF]/);
  if (doc.text === "") expect(doc.sections).toEqual([]);
}

describe("parseDocument: plain text", () => {
  it("normalises line endings and strips BOM and control characters but keeps tabs", () => {
    const doc = parseDocument("\uFEFFfirst\r\nsecond\rthird\u0000\u0007\tend\u001B", "text");
    expect(doc.text).toBe("first\nsecond\nthird\tend");
    expect(doc.sections).toEqual([{ headingPath: [], start: 0, end: doc.text.length }]);
    expect(doc.title).toBeUndefined();
  });

  it("turns form feeds into line breaks so words on either side stay apart", () => {
    expect(parseDocument("page one\fpage two", "text").text).toBe("page one\npage two");
  });

  it("does not treat markdown syntax as headings", () => {
    const doc = parseDocument("# not a heading\n\ntext", "text");
    expect(headingPaths(doc)).toEqual([[]]);
  });

  it("yields empty text and no sections for whitespace-only content", () => {
    expect(parseDocument(" \r\n\t\u0000 ", "text")).toEqual({ text: "", sections: [] });
    expect(parseDocument("", "text")).toEqual({ text: "", sections: [] });
  });

  it("replaces lone surrogates so the text stays valid UTF-16", () => {
    expect(normaliseText("a\uD800b\uDC00c😀")).toBe("a\uFFFDb\uFFFDc😀");
  });
});

describe("parseDocument: input that cannot be processed", () => {
  it("throws PermanentError for an unknown format", () => {
    expect(() => parseDocument("x", "pdf" as DocumentFormat)).toThrow(PermanentError);
  });

  it("throws PermanentError for content that is not a string", () => {
    expect(() => parseDocument(undefined as unknown as string, "text")).toThrow(PermanentError);
  });
});

describe("parseDocument: markdown headings", () => {
  it("builds nested heading paths and pops deeper levels on a new heading", () => {
    const doc = parseDocument(
      ["# Guide", "intro", "## Install", "npm i", "### Linux", "apt", "## Usage", "run it", "# Appendix", "more"].join("\n"),
      "markdown",
    );
    expect(outline(doc)).toEqual([
      ["Guide", "intro"],
      ["Guide > Install", "npm i"],
      ["Guide > Install > Linux", "apt"],
      ["Guide > Usage", "run it"],
      ["Appendix", "more"],
    ]);
    expect(doc.title).toBe("Guide");
    expectWellFormed(doc);
  });

  it("keeps skipped levels as they are (h1 then h3 gives two entries)", () => {
    const doc = parseDocument("# A\n### C\ntext\n## B\nmore", "markdown");
    expect(headingPaths(doc)).toEqual([["A"], ["A", "C"], ["A", "B"]]);
  });

  it("puts content before the first heading in an untitled section", () => {
    const doc = parseDocument("Preface line.\n\n# First\nbody", "markdown");
    expect(outline(doc)).toEqual([
      ["", "Preface line."],
      ["First", "body"],
    ]);
  });

  it("has one untitled section when there are no headings", () => {
    const doc = parseDocument("just\n\nparagraphs", "markdown");
    expect(doc.sections).toEqual([{ headingPath: [], start: 0, end: doc.text.length }]);
    expect(doc.title).toBeUndefined();
  });

  it("points section offsets at the body after the heading line, up to the next heading", () => {
    const text = "# One\nalpha\n\n## Two\nbeta\n";
    const doc = parseDocument(text, "markdown");
    expect(doc.text).toBe(text);
    expect(doc.sections).toEqual([
      { headingPath: ["One"], start: 6, end: 13 },
      { headingPath: ["One", "Two"], start: 20, end: 25 },
    ]);
    expect(text.slice(6, 13)).toBe("alpha\n\n");
  });

  it("keeps a heading with an empty body as a section of length zero", () => {
    const doc = parseDocument("# Title\n## Empty\n## Full\ntext", "markdown");
    expect(outline(doc)).toEqual([
      ["Title", ""],
      ["Title > Empty", ""],
      ["Title > Full", "text"],
    ]);
  });

  it("keeps offsets valid after CRLF normalisation", () => {
    const doc = parseDocument("# A\r\nbody a\r\n# B\r\nbody b\r\n", "markdown");
    expect(doc.text).toBe("# A\nbody a\n# B\nbody b\n");
    expect(outline(doc)).toEqual([
      ["A", "body a"],
      ["B", "body b"],
    ]);
  });

  it("strips closing hash sequences but keeps hashes that are part of the text", () => {
    const doc = parseDocument("## Closed ##\na\n## C#\nb\n## Issue \\#\nc\n### ###\nd", "markdown");
    expect(headingPaths(doc)).toEqual([["Closed"], ["C#"], ["Issue #"], ["Issue #"]]);
  });

  it("requires a space after the hashes and at most six of them and three spaces of indent", () => {
    const doc = parseDocument("#hashtag\n####### seven\n    # indented code\n   # Real\nbody", "markdown");
    expect(outline(doc)).toEqual([
      ["", "#hashtag\n####### seven\n    # indented code"],
      ["Real", "body"],
    ]);
  });

  it("turns inline markdown in headings into plain text", () => {
    const doc = parseDocument(
      [
        "# The **bold** and _em_ and ~~old~~ `code_span` title",
        "## See [the docs](https://example.com/docs \"Docs\") and ![logo](l.png)",
        "### Use `a * b` with __init__ in snake_case_name",
        "#### Tom &amp; Jerry <span>tags</span> <https://x.dev> \\*literal\\*",
      ].join("\nx\n"),
      "markdown",
    );
    expect(doc.sections.map((section) => section.headingPath.at(-1))).toEqual([
      "The bold and em and old code_span title",
      "See the docs and logo",
      "Use a * b with init in snake_case_name",
      "Tom & Jerry tags https://x.dev *literal*",
    ]);
  });
});

describe("parseDocument: markdown code blocks are not headings", () => {
  it("ignores # lines inside backtick and tilde fences", () => {
    const doc = parseDocument(
      ["# Real", "```bash", "# comment", "```", "~~~", "# also code", "```", "# still code", "~~~", "## After"].join("\n"),
      "markdown",
    );
    expect(headingPaths(doc)).toEqual([["Real"], ["Real", "After"]]);
  });

  it("only closes a fence with the same character and at least the same length", () => {
    const doc = parseDocument(["````md", "```", "# inside", "```", "````", "# Outside"].join("\n"), "markdown");
    expect(headingPaths(doc)).toEqual([[], ["Outside"]]);
  });

  it("does not treat a backtick run with backticks in its info string as a fence", () => {
    const doc = parseDocument(["``` a ` b", "# Heading"].join("\n"), "markdown");
    expect(headingPaths(doc)).toEqual([[], ["Heading"]]);
  });

  it("runs an unclosed fence to the end of the document", () => {
    const doc = parseDocument(["# Top", "```", "# not a heading"].join("\n"), "markdown");
    expect(headingPaths(doc)).toEqual([["Top"]]);
  });

  it("ignores # lines in indented code blocks and HTML comments", () => {
    const doc = parseDocument(["Intro", "", "    # indented", "\t# tabbed", "<!--", "# commented", "-->", "# Real"].join("\n"), "markdown");
    expect(headingPaths(doc)).toEqual([[], ["Real"]]);
  });
});

describe("parseDocument: setext headings and thematic breaks", () => {
  it("reads === and --- underlines after a paragraph as h1 and h2", () => {
    const doc = parseDocument("Title\n=====\nintro\n\nPart One\n---\nbody", "markdown");
    expect(outline(doc)).toEqual([
      ["Title", "intro"],
      ["Title > Part One", "body"],
    ]);
    expect(doc.title).toBe("Title");
  });

  it("joins a multi-line setext heading into one line", () => {
    const doc = parseDocument("A long\nheading\n===\nbody", "markdown");
    expect(headingPaths(doc)).toEqual([["A long heading"]]);
  });

  it("treats --- after a blank line as a thematic break, not a heading", () => {
    const doc = parseDocument("# Title\nparagraph\n\n---\n\nmore text", "markdown");
    expect(outline(doc)).toEqual([["Title", "paragraph\n\n---\n\nmore text"]]);
  });

  it("does not make list items or block quotes into setext headings", () => {
    const doc = parseDocument("- item\n---\n> quote\n---\n1. first\n===", "markdown");
    expect(headingPaths(doc)).toEqual([[]]);
  });

  it("does not treat an underline after indented code or a heading as setext", () => {
    const doc = parseDocument("# H\n---\n\n    code\n---", "markdown");
    expect(headingPaths(doc)).toEqual([["H"]]);
  });
});

describe("parseDocument: front matter", () => {
  it("takes the title from front matter and excludes it from every section", () => {
    const text = '---\ntitle: "Quoted: \\"Title\\""\ntags: [a, b]\n---\n# Heading\nbody';
    const doc = parseDocument(text, "markdown");
    expect(doc.title).toBe('Quoted: "Title"');
    expect(doc.text).toBe(text);
    expect(outline(doc)).toEqual([["Heading", "body"]]);
    expect(doc.sections[0]?.start).toBeGreaterThan(text.indexOf("# Heading"));
  });

  it("reads single-quoted, plain and block titles", () => {
    expect(parseDocument("---\ntitle: 'It''s here'\n---\nx", "markdown").title).toBe("It's here");
    expect(parseDocument("---\ntitle: Plain title # comment\n---\nx", "markdown").title).toBe("Plain title");
    expect(parseDocument("---\ntitle: >\n  Folded\n  title\ndate: 2024\n---\nx", "markdown").title).toBe("Folded title");
  });

  it("falls back to the first h1 when front matter has no title", () => {
    const doc = parseDocument("---\nauthor: me\n---\nintro\n## Sub\n# Main\n", "markdown");
    expect(doc.title).toBe("Main");
    expect(outline(doc)[0]).toEqual(["", "intro"]);
  });

  it("does not take a leading thematic break for front matter", () => {
    const doc = parseDocument("---\nJust text.\n\n---\n# H\nbody", "markdown");
    expect(doc.title).toBe("H");
    expect(outline(doc)[0]?.[1]).toContain("Just text");
  });

  it("gives empty text when only front matter is present", () => {
    expect(parseDocument("---\ntitle: Only meta\n---\n\n", "markdown")).toEqual({ text: "", title: "Only meta", sections: [] });
  });
});

describe("plainHeadingText", () => {
  it("keeps code span content verbatim, including emphasis characters", () => {
    expect(plainHeadingText("Call `__init__(*args)` now")).toBe("Call __init__(*args) now");
  });

  it("leaves unmatched backticks and lone brackets alone", () => {
    expect(plainHeadingText("a ` b [c] d")).toBe("a ` b [c] d");
  });

  it("handles reference links and numeric entities", () => {
    expect(plainHeadingText("[Ref][1] &#169; &#x263A;")).toBe("Ref © ☺");
  });
});

describe("parseDocument: HTML", () => {
  it("renders headings as # lines and computes sections from them", () => {
    const doc = parseDocument("<h1>Guide</h1><p>Intro.</p><h2>Setup</h2><p>Step.</p><h3>Linux</h3><p>apt</p><h2>Use</h2><p>Run.</p>", "html");
    expect(doc.text).toBe("# Guide\n\nIntro.\n\n## Setup\n\nStep.\n\n### Linux\n\napt\n\n## Use\n\nRun.");
    expect(outline(doc)).toEqual([
      ["Guide", "Intro."],
      ["Guide > Setup", "Step."],
      ["Guide > Setup > Linux", "apt"],
      ["Guide > Use", "Run."],
    ]);
    expectWellFormed(doc);
  });

  it("decodes entities and collapses inline whitespace", () => {
    const doc = parseDocument("<p>Fish &amp; chips\n   cost &lt;&nbsp;&#163;5 &#x27;each&#39; &hellip;</p>", "html");
    expect(doc.text).toBe("Fish & chips cost < £5 'each' …");
  });

  it("keeps inline elements inline and breaks lines at <br>", () => {
    const doc = parseDocument("<p>Some <b>bold</b> and <a href='/x'>a link</a>,<br>next line</p>", "html");
    expect(doc.text).toBe("Some bold and a link,\nnext line");
  });

  it("renders nested and ordered lists with markers and indentation", () => {
    const doc = parseDocument(
      "<ul><li>One<ul><li>Nested <b>item</b></li></ul></li><li>Two</li></ul><ol start='3'><li>three</li><li>four<ol><li>a</li></ol></li></ol>",
      "html",
    );
    expect(doc.text).toBe("- One\n  - Nested item\n- Two\n\n3. three\n4. four\n   1. a");
  });

  it("separates table cells with | and puts each row on its own line", () => {
    const doc = parseDocument(
      "<table><caption>Prices</caption><tr><th>Item</th><th>Cost</th></tr><tr><td>Tea</td><td><p>£2</p></td></tr><tr><td>Cake</td><td></td></tr></table><p>After</p>",
      "html",
    );
    expect(doc.text).toBe("Prices\nItem | Cost\nTea | £2\nCake\n\nAfter");
  });

  it("keeps pre content verbatim inside a fence that its content cannot close", () => {
    const doc = parseDocument('<pre class="language-py">\ndef f():\n    # a comment\n\n    return "```"\n</pre><h2>Next</h2><p>x</p>', "html");
    expect(doc.text).toBe('````py\ndef f():\n    # a comment\n\n    return "```"\n````\n\n## Next\n\nx');
    expect(headingPaths(doc)).toEqual([[], ["Next"]]);
  });

  it("removes script, style, noscript, template, svg, canvas, iframe, object and head", () => {
    const doc = parseDocument(
      "<html><head><meta charset=utf-8><style>p{}</style><script>var a='<p>no</p>'</script></head><body>" +
        "<noscript>enable js</noscript><template><p>tpl</p></template><svg><text>chart</text></svg><canvas>c</canvas>" +
        "<iframe>frame</iframe><object>obj</object><p>Visible</p><script>track()</script></body></html>",
      "html",
    );
    expect(doc.text).toBe("Visible");
  });

  it("keeps alt text of images inside <picture> and of MathML, not its markup", () => {
    const doc = parseDocument(
      '<p>Chart: <picture><source srcset="a.webp"><img src="a.png" alt="sales chart"></picture></p>' +
        '<p>Energy <math alttext="E = mc^2"><mi>E</mi><mo>=</mo><annotation>E=mc^2</annotation></math> holds.</p><p><math><mi>x</mi></math>end</p>',
      "html",
    );
    expect(doc.text).toBe("Chart: [sales chart]\n\nEnergy E = mc^2 holds.\n\nend");
  });

  it("drops hidden and aria-hidden elements", () => {
    const doc = parseDocument(
      '<p>shown</p><p hidden>secret</p><span aria-hidden="true">icon</span><div style="display:none">gone</div><p hidden="until-found">findable</p>',
      "html",
    );
    expect(doc.text).toBe("shown\n\nfindable");
  });

  it("keeps image alt text in brackets and drops images without it", () => {
    const doc = parseDocument('<p>Look: <img src="a.png" alt=" A  cat "> <img src="b.png"> <img alt=""></p>', "html");
    expect(doc.text).toBe("Look: [A cat]");
  });

  it("takes the title from <title>, falling back to the first h1", () => {
    expect(parseDocument("<title> Page &amp; Co </title><h1>Heading</h1>", "html").title).toBe("Page & Co");
    expect(parseDocument("<h2>Sub</h2><h1>First <em>h1</em></h1><h1>Second</h1>", "html").title).toBe("First h1");
    expect(parseDocument("<p>no headings</p>", "html").title).toBeUndefined();
    expect(parseDocument("<svg><title>icon</title></svg><p>x</p>", "html").title).toBeUndefined();
  });

  it("keeps only <main> when the page has one", () => {
    const doc = parseDocument(
      "<title>T</title><header><a>Logo</a></header><nav>Menu</nav><main><h1>Article</h1><p>Body</p><aside>Note</aside></main><footer>Copyright</footer>",
      "html",
    );
    expect(doc.text).toBe("# Article\n\nBody\n\nNote");
    expect(doc.title).toBe("T");
  });

  it("treats role=main like <main>", () => {
    const doc = parseDocument('<div>chrome</div><div role="main"><p>content</p></div>', "html");
    expect(doc.text).toBe("content");
  });

  it("keeps a single <article> when there is no main", () => {
    const doc = parseDocument("<div class=sidebar>Related links</div><article><header>By Ann</header><h1>Post</h1><p>Text</p></article>", "html");
    expect(doc.text).toBe("By Ann\n\n# Post\n\nText");
  });

  it("keeps the whole page for several articles but drops page-level nav, footer and aside", () => {
    const doc = parseDocument(
      "<header><h1>Blog</h1><nav>Home About</nav></header><article><h2>One</h2><p>first</p><footer>tags: a</footer></article>" +
        "<article><h2>Two</h2><p>second</p></article><aside>Ads</aside><footer>© me</footer>",
      "html",
    );
    expect(doc.text).toBe("# Blog\n\n## One\n\nfirst\n\ntags: a\n\n## Two\n\nsecond");
  });

  it("drops a page-level header without an h1 as navigation chrome", () => {
    const doc = parseDocument("<header><a>Logo</a> <a>Sign in</a></header><h1>Title</h1><p>Body</p>", "html");
    expect(doc.text).toBe("# Title\n\nBody");
  });

  it("falls back to the whole page when <main> is empty", () => {
    const doc = parseDocument("<main></main><div><p>Real content</p></div>", "html");
    expect(doc.text).toBe("Real content");
  });

  it("escapes text that markdown would read as a heading, underline or fence", () => {
    const doc = parseDocument("<p>Intro</p><p># hashtag</p><p>Line<br>---</p><p>```js</p><h2>Real</h2><p>x</p>", "html");
    expect(doc.text).toBe("Intro\n\n\\# hashtag\n\nLine\n\\---\n\n\\```js\n\n## Real\n\nx");
    expect(headingPaths(doc)).toEqual([[], ["Real"]]);
  });

  it("round-trips heading text with markdown characters into the heading path", () => {
    const headings = ["*args and **kwargs", "Issue #", "[draft] <T> & co", "C# `code`", "snake_case"];
    const doc = parseDocument(headings.map((heading, i) => `<h2>${heading.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</h2><p>${i}</p>`).join(""), "html");
    expect(doc.sections.map((section) => section.headingPath[0])).toEqual(headings);
  });

  it("never throws on malformed HTML and keeps its text", () => {
    const inputs = [
      "<p>Unclosed <b>bold <i>italic<p>Next</div></span> a < b and c > d",
      "<div><p>unterminated <!-- comment",
      "<ul><li>one<li>two</ul></li></li>",
      "<table><td>cell<tr><td>row",
      "</p></div><h2>Stray closers</h2>text",
      "<a href='x>broken attr</a>",
      "<<<>>>&&&;&#xZZ;&unknown;",
      "<h1><h2>nested headings</h1></h2>",
      "<pre><pre>double</pre>",
    ];
    for (const input of inputs) {
      const doc = parseDocument(input, "html");
      expectWellFormed(doc);
    }
    expect(parseDocument(inputs[0] as string, "html").text).toBe("Unclosed bold italic\n\nNext a < b and c > d");
    expect(parseDocument(inputs[2] as string, "html").text).toBe("- one\n- two");
    expect(outline(parseDocument(inputs[4] as string, "html"))).toEqual([["Stray closers", "text"]]);
  });

  it("handles nesting deeper than the call stack", () => {
    const doc = parseDocument(`${"<div><span>".repeat(20_000)}deep text`, "html");
    expect(doc.text).toBe("deep text");
  });

  it("yields empty text and no sections for a page without visible text", () => {
    expect(parseDocument("<html><head><title>Empty</title></head><body><script>x()</script> &nbsp; </body></html>", "html")).toEqual({
      text: "",
      title: "Empty",
      sections: [],
    });
  });
});
