import { describe, expect, it } from "vitest";
import { escapeHtml, isSafeUrl, renderInline, renderMarkdown } from "./markdown-renderer.js";

describe("renderMarkdown", () => {
  it("renders paragraphs, keeping single line breaks", () => {
    expect(renderMarkdown("One\ntwo\n\nThree")).toBe("<p>One<br>two</p><p>Three</p>");
  });

  it("renders headings as bold lines (answers do not add to the page outline)", () => {
    expect(renderMarkdown("## Refunds ##\ntext")).toBe('<p class="heading"><strong>Refunds</strong></p><p>text</p>');
  });

  it("renders lists, ordered lists with their start, and loose lists", () => {
    expect(renderMarkdown("- a\n- b\n  continued")).toBe("<ul><li>a</li><li>b<br>continued</li></ul>");
    expect(renderMarkdown("3. c\n4) d")).toBe('<ol start="3"><li>c</li><li>d</li></ol>');
    expect(renderMarkdown("1. a\n\n2. b")).toBe("<ol><li>a</li><li>b</li></ol>");
  });

  it("renders fenced code verbatim and escaped", () => {
    expect(renderMarkdown("```js\nif (a < b) **x**\n```")).toBe("<pre><code>if (a &lt; b) **x**</code></pre>");
    expect(renderMarkdown("~~~\nunclosed")).toBe("<pre><code>unclosed</code></pre>");
  });

  it("renders quotes, nested to a limit, and rules", () => {
    expect(renderMarkdown("> quoted\n> more")).toBe("<blockquote><p>quoted<br>more</p></blockquote>");
    expect(renderMarkdown("> > > > deep")).toBe("<blockquote><blockquote><blockquote><blockquote><p>deep</p></blockquote></blockquote></blockquote></blockquote>");
    expect(renderMarkdown("a\n\n---\n\nb")).toBe("<p>a</p><hr><p>b</p>");
  });

  it("escapes raw HTML instead of passing it through", () => {
    expect(renderMarkdown('<img src=x onerror="alert(1)">')).toBe("<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>");
  });
});

describe("renderInline", () => {
  it("renders emphasis and code spans", () => {
    expect(renderInline("**bold**, __bold__, *it*, _it_ and `a<b`")).toBe("<strong>bold</strong>, <strong>bold</strong>, <em>it</em>, <em>it</em> and <code>a&lt;b</code>");
    expect(renderInline("snake_case_name and 2*3*4")).toBe("snake_case_name and 2<em>3</em>4");
  });

  it("links only absolute http(s) and mailto URLs", () => {
    expect(renderInline("[docs](https://docs.example.com/a_b)")).toBe('<a href="https://docs.example.com/a_b">docs</a>');
    expect(renderInline("mail [us](mailto:help@example.com)")).toBe('mail <a href="mailto:help@example.com">us</a>');
    expect(renderInline("[x](javascript:alert)")).toBe("x");
    expect(renderInline("[x](javascript:alert(1))")).toBe("[x](javascript:alert(1))"); // not even parsed as a link
    expect(renderInline("[x](/relative)")).toBe("x");
    expect(renderInline("see https://example.com/path.")).toBe('see <a href="https://example.com/path">https://example.com/path</a>.');
  });

  it("keeps attribute values quoted and escaped", () => {
    expect(renderInline('[x](https://a.example/"onmouseover="y)')).toBe('<a href="https://a.example/&quot;onmouseover=&quot;y">x</a>');
  });

  it("turns citations of the answer's sources into buttons, and leaves other brackets alone", () => {
    const options = { citations: new Set([1, 2]), citationLabel: (n: number) => `Source ${n}: "T"` };
    expect(renderInline("Yes [1].", options)).toBe(
      'Yes <span class="nowrap"><button type="button" class="cite" data-cite="1" data-testid="rag-chat-citation" aria-label="Source 1: &quot;T&quot;">1</button>.</span>',
    );
    expect(renderInline("Yes [1] and no.", options)).toMatch(/^Yes <button[^>]*>1<\/button> and no\.$/);
    expect(renderInline("[3].", options)).toBe("[3].");
    expect(renderInline("[1, 2]", options)).toMatch(/^<button[^>]*data-cite="1"[^>]*>1<\/button><button[^>]*data-cite="2"[^>]*>2<\/button>$/);
    expect(renderInline("[3] and [1, 3]", options)).toBe("[3] and [1, 3]");
    expect(renderInline("[1]")).toBe("[1]");
  });
});

describe("helpers", () => {
  it("escapes the five HTML specials", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  });

  it("accepts only absolute http(s) and mailto URLs", () => {
    expect(isSafeUrl("https://example.com")).toBe(true);
    expect(isSafeUrl("HTTP://example.com")).toBe(true);
    expect(isSafeUrl("mailto:a@b.c")).toBe(true);
    for (const url of ["javascript:alert(1)", "data:text/html,x", "//example.com", "/x", "https://a.example/\u0000x", " https://a.example"]) expect(isSafeUrl(url)).toBe(false);
  });
});
