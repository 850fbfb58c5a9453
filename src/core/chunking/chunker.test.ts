import { describe, expect, it } from "vitest";
import { type DocumentSection, type ParsedDocument, parseDocument } from "../parsing/parse-document.js";
import { countTokens } from "../text/tokenize.js";
import { type Chunk, type ChunkingOptions, chunkDocument, defaultChunkingOptions } from "./chunker.js";
import { seededRandom as random } from "../seeded-random.js";

const optionSets: ChunkingOptions[] = [
  { maxTokens: 320, overlapTokens: 48 },
  { maxTokens: 64, overlapTokens: 16 },
  { maxTokens: 16, overlapTokens: 7 },
  { maxTokens: 16, overlapTokens: 0 },
];

function chunkText(text: string, format: "text" | "markdown" | "html", options: ChunkingOptions): { doc: ParsedDocument; chunks: Chunk[] } {
  const doc = parseDocument(text, format);
  return { doc, chunks: chunkDocument(doc, options) };
}

/** Index of the first section ending after offset `at` (sections are ordered and disjoint). */
function firstSectionEndingAfter(doc: ParsedDocument, at: number): number {
  let low = 0;
  let high = doc.sections.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((doc.sections[mid] as DocumentSection).end > at) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Index of the section containing offset `at`, or -1. */
function sectionIndexAt(doc: ParsedDocument, at: number): number {
  const index = firstSectionEndingAfter(doc, at);
  const section = doc.sections[index];
  return section && section.start <= at ? index : -1;
}

/** Sections whose bodies overlap [start, end). */
function sectionsTouching(doc: ParsedDocument, start: number, end: number): DocumentSection[] {
  const touched: DocumentSection[] = [];
  for (let i = firstSectionEndingAfter(doc, start); i < doc.sections.length && (doc.sections[i] as DocumentSection).start < end; i++) {
    const section = doc.sections[i] as DocumentSection;
    if (section.start < section.end) touched.push(section);
  }
  return touched;
}

/**
 * Checks every documented guarantee of chunkDocument on one result: exact
 * slices, trimmed, token bound, seq order, section boundaries (or a merged
 * run of sections labelled with their common ancestor), overlap bound and
 * progress, and that no letter or digit of any section is lost.
 */
function expectValidChunks(doc: ParsedDocument, chunks: Chunk[], options: ChunkingOptions): void {
  // Problems are collected and asserted once: documents with tens of thousands of chunks stay fast to check.
  const problems: string[] = [];
  const { text } = doc;
  const problem = (i: number, what: string): void => {
    if (problems.length < 20) problems.push(`chunk ${i}: ${what}`);
  };
  chunks.forEach((chunk, i) => {
    if (chunk.seq !== i) problem(i, `seq ${chunk.seq}`);
    if (chunk.text !== text.slice(chunk.start, chunk.end)) problem(i, "text is not the slice start..end");
    if (chunk.text.length === 0 || chunk.text.trim() !== chunk.text) problem(i, "empty or untrimmed");
    if (chunk.tokenCount !== countTokens(chunk.text)) problem(i, "tokenCount is not countTokens(text)");
    if (chunk.tokenCount > options.maxTokens) problem(i, `${chunk.tokenCount} tokens`);
    if (!/[\p{L}\p{N}]/u.test(chunk.text)) problem(i, "no letter or digit");
    if (/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(chunk.text)) problem(i, "cuts a surrogate pair");

    // Sections whose bodies the chunk touches; any other characters of it are heading lines between them.
    const touched = sectionsTouching(doc, chunk.start, chunk.end);
    if (touched.length === 0) {
      problem(i, "not inside any section");
    } else if (touched.length === 1 && (touched[0] as DocumentSection).start <= chunk.start && chunk.end <= (touched[0] as DocumentSection).end) {
      if (JSON.stringify(chunk.headingPath) !== JSON.stringify(touched[0]?.headingPath)) problem(i, "heading path differs from its section");
    } else {
      // A merged run of tiny sections: labelled with a non-empty ancestor shared by all of them.
      const prefix = JSON.stringify(chunk.headingPath);
      const shared = touched.every((section) => JSON.stringify(section.headingPath.slice(0, chunk.headingPath.length)) === prefix);
      if (chunk.headingPath.length === 0 || !shared) problem(i, "spans sections without a common ancestor label");
    }

    const previous = chunks[i - 1];
    if (previous) {
      if (chunk.start <= previous.start || chunk.end <= previous.end) problem(i, "does not make progress");
      if (chunk.start < previous.end) {
        // Overlap: only within one section, never the whole previous chunk, at most overlapTokens.
        if (sectionIndexAt(doc, chunk.start) !== sectionIndexAt(doc, previous.end - 1)) problem(i, "overlaps another section");
        if (countTokens(text.slice(chunk.start, previous.end)) > options.overlapTokens) problem(i, "overlap too long");
      }
    }
  });

  const covered = new Uint8Array(text.length);
  for (const chunk of chunks) covered.fill(1, chunk.start, chunk.end);
  for (const section of doc.sections) {
    const body = text.slice(section.start, section.end);
    for (const match of body.matchAll(/[\p{L}\p{N}]+/gu)) {
      const at = section.start + (match.index ?? 0);
      if (covered.subarray(at, at + match[0].length).includes(0)) {
        problems.push(`text at ${at} is in no chunk`);
        break;
      }
    }
  }
  expect(problems).toEqual([]);
}


const readme = `---
title: edge-rag
---
# edge-rag

A serverless retrieval-augmented generation API for Cloudflare Workers. It ingests documents through a queue, indexes them with D1 FTS5 and Vectorize, and streams cited answers. Everything runs offline in local mode, e.g. for tests.

## Install

\`\`\`bash
npm install
# provision the D1 database and the Vectorize index
npm run provision
\`\`\`

## Configuration

| Variable | Default | Meaning |
| --- | --- | --- |
| CHUNK_MAX_TOKENS | 320 | Upper bound on chunk size. |
| CHUNK_OVERLAP_TOKENS | 48 | Tokens repeated between chunks. |

### Options

#### timeout
Seconds to wait.

#### retries
How many attempts.

#### region
Where it runs.

## Usage

1. Upload a document with \`POST /documents\`. The API stores it and queues it for ingestion.
2. Poll \`GET /documents/:id\` until the status is \`ready\`. Ingestion usually takes a few seconds.
3. Ask a question with \`POST /answer\`. The answer streams as server-sent events with citations.

Dr. Smith's team measured p95 latency of 3.14 s in the U.S. region. Results vary by region, model and document size. Large documents (up to 1 MB) are split into hundreds of chunks, each embedded separately.

Setext Section
--------------

Text under a setext heading. It is short.

- item one
- item two with a much longer description that keeps going so that the list run becomes longer than a tiny chunk would be
  - nested item

## FAQ

### Can I use my own model?
Yes. Set the generator binding to any OpenAI-compatible endpoint.

### Is there a limit?
Documents are limited to 1 MB.
`;

const htmlPage = `<!doctype html>
<html><head><title>Caching guide</title><script>window.analytics = 1;</script></head>
<body>
<header><a href="/">Home</a><nav><a href="/docs">Docs</a><a href="/blog">Blog</a></nav></header>
<main>
<h1>Caching at the edge</h1>
<p>Caching stores responses close to users. A cache hit avoids the round trip to the origin, which cuts latency and cost.</p>
<h2>Cache keys</h2>
<p>The cache key is built from the URL and selected headers. Two requests with the same key share a cached response.</p>
<ul><li>Normalise query strings.</li><li>Strip tracking parameters such as <code>utm_source</code>.</li><li>Vary on <code>Accept-Encoding</code> only when needed.</li></ul>
<h2>Expiry</h2>
<p>Responses expire after their <em>max-age</em>. Stale content can be served while revalidating.</p>
<table><tr><th>Header</th><th>Effect</th></tr><tr><td>Cache-Control: max-age=60</td><td>Cache for a minute</td></tr><tr><td>Cache-Control: no-store</td><td>Never cache</td></tr></table>
<pre><code class="language-js">const response = await fetch(request, { cf: { cacheTtl: 60 } });
// # not a heading
return response;</code></pre>
<h3>Purging</h3>
<p>Purge by URL, by tag or everything. Purges propagate globally within seconds.</p>
</main>
<footer>© 2024 Example Inc. All rights reserved.</footer>
</body></html>`;

function essay(paragraphs: number, seed: number): string {
  const next = random(seed);
  const subjects = ["The index", "Dr. Rivera", "Each worker", "The U.S. team", "A query", "The cache", "Vectorize"];
  const verbs = ["stores", "ranks", "retrieves", "embeds", "splits", "scores", "returns"];
  const objects = ["chunks of text", "about 3.14 million vectors", "results, e.g. passages", "citations", "the top ten hits", "fresh documents"];
  const ends = [".", ".", ".", "!", "?", "…"];
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
  const out: string[] = [];
  for (let p = 0; p < paragraphs; p++) {
    const sentences: string[] = [];
    const count = 1 + Math.floor(next() * 12);
    for (let s = 0; s < count; s++) sentences.push(`${pick(subjects)} ${pick(verbs)} ${pick(objects)}${pick(ends)}`);
    out.push(sentences.join(next() < 0.1 ? "\n" : " "));
  }
  return out.join("\n\n");
}

describe("chunkDocument: options", () => {
  it("exports the default options", () => {
    expect(defaultChunkingOptions).toEqual({ maxTokens: 320, overlapTokens: 48 });
  });

  it("rejects invalid options with a RangeError", () => {
    const doc = parseDocument("text", "text");
    const invalid: ChunkingOptions[] = [
      { maxTokens: 15, overlapTokens: 0 },
      { maxTokens: 8193, overlapTokens: 0 },
      { maxTokens: 100.5, overlapTokens: 0 },
      { maxTokens: Number.NaN, overlapTokens: 0 },
      { maxTokens: 100, overlapTokens: -1 },
      { maxTokens: 100, overlapTokens: 1.5 },
      { maxTokens: 100, overlapTokens: 50 },
    ];
    for (const options of invalid) expect(() => chunkDocument(doc, options), JSON.stringify(options)).toThrow(RangeError);
  });

  it("accepts the boundary values", () => {
    const doc = parseDocument("text", "text");
    expect(chunkDocument(doc, { maxTokens: 16, overlapTokens: 7 })).toHaveLength(1);
    expect(chunkDocument(doc, { maxTokens: 8192, overlapTokens: 4095 })).toHaveLength(1);
  });
});

describe("chunkDocument: small inputs", () => {
  it("returns one trimmed chunk for a short text", () => {
    const doc = parseDocument("\n\n  Hello world.  \n", "text");
    expect(chunkDocument(doc, defaultChunkingOptions)).toEqual([{ seq: 0, text: "Hello world.", headingPath: [], start: 4, end: 16, tokenCount: 3 }]);
  });

  it("returns no chunks for an empty document", () => {
    expect(chunkDocument(parseDocument("", "markdown"), defaultChunkingOptions)).toEqual([]);
    expect(chunkDocument({ text: "", sections: [] }, defaultChunkingOptions)).toEqual([]);
  });

  it("treats a document without sections as one untitled section", () => {
    expect(chunkDocument({ text: "Some text.", sections: [] }, defaultChunkingOptions)).toEqual([
      { seq: 0, text: "Some text.", headingPath: [], start: 0, end: 10, tokenCount: 3 },
    ]);
  });

  it("packs whole paragraphs greedily", () => {
    const text = "One two three four five.\n\nSix seven eight nine ten.\n\nEleven twelve thirteen fourteen fifteen.";
    const chunks = chunkDocument(parseDocument(text, "text"), { maxTokens: 16, overlapTokens: 0 });
    expect(chunks.map((chunk) => chunk.text)).toEqual(["One two three four five.\n\nSix seven eight nine ten.", "Eleven twelve thirteen fourteen fifteen."]);
    expect(chunks.map((chunk) => chunk.tokenCount)).toEqual([12, 6]);
  });

  it("starts the next chunk with trailing sentences of the previous one", () => {
    const text = "One two three four five.\n\nSix seven. Eight nine ten.\n\nEleven twelve thirteen fourteen fifteen.";
    const chunks = chunkDocument(parseDocument(text, "text"), { maxTokens: 16, overlapTokens: 4 });
    expect(chunks.map((chunk) => chunk.text)).toEqual([
      "One two three four five.\n\nSix seven. Eight nine ten.",
      "Eight nine ten.\n\nEleven twelve thirteen fourteen fifteen.",
    ]);
    expect((chunks[1] as Chunk).start).toBeLessThan((chunks[0] as Chunk).end);
  });

  it("shrinks the overlap rather than split a block that fits on its own", () => {
    const text = "One two. Three four. Five six.\n\na b c d e f g h i j k.";
    const chunks = chunkDocument(parseDocument(text, "text"), { maxTokens: 16, overlapTokens: 7 });
    expect(chunks.map((chunk) => chunk.text)).toEqual(["One two. Three four. Five six.", "Five six.\n\na b c d e f g h i j k."]);
  });

  it("never repeats the whole previous chunk as overlap", () => {
    const text = "Short one.\n\nA much longer second paragraph that does not fit together with the first one at all.";
    const chunks = chunkDocument(parseDocument(text, "text"), { maxTokens: 16, overlapTokens: 7 });
    expect(chunks[0]?.text).toBe("Short one.");
    expect(chunks[1]?.text.startsWith("A much")).toBe(true);
  });

  it("splits an oversized paragraph at sentence boundaries, not at abbreviations or decimals", () => {
    const text = "Dr. Smith met Mr. Jones in the U.S. Army. They used e.g. Python 3.14 today. Then they left.";
    const chunks = chunkDocument(parseDocument(text, "text"), { maxTokens: 16, overlapTokens: 0 });
    expect(chunks.map((chunk) => chunk.text)).toEqual(["Dr. Smith met Mr. Jones in the U.S. Army.", "They used e.g. Python 3.14 today. Then they left."]);
  });

  it("splits at ? and ! but not after No. 5, St., initials or an ellipsis followed by lower case", () => {
    const sentences = [
      "Where did the team meet on that day?",
      "They met at No. 5 Main St. in the morning!",
      "Then J. R. Tolkien arrived... and everyone left.",
    ];
    const chunks = chunkDocument(parseDocument(sentences.join(" "), "text"), { maxTokens: 16, overlapTokens: 0 });
    expect(chunks.map((chunk) => chunk.text)).toEqual(sentences);
  });

  it("splits CJK text at full stops without spaces", () => {
    const text = "这是第一句话。".repeat(20);
    const chunks = chunkDocument(parseDocument(text, "text"), { maxTokens: 16, overlapTokens: 0 });
    expect(chunks.map((chunk) => chunk.text)).toEqual(["这是第一句话。".repeat(8), "这是第一句话。".repeat(8), "这是第一句话。".repeat(4)]);
  });

  it("splits a sentence longer than the budget at word boundaries", () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const chunks = chunkDocument(parseDocument(words.join(" "), "text"), { maxTokens: 16, overlapTokens: 4 });
    expect(chunks.map((chunk) => chunk.text)).toEqual([words.slice(0, 16).join(" "), words.slice(16, 32).join(" "), words.slice(32).join(" ")]);
  });

  it("splits one huge word into pieces that each fit the budget", () => {
    const word = "a".repeat(5000);
    const { doc, chunks } = chunkText(`start ${word} end`, "text", { maxTokens: 16, overlapTokens: 4 });
    expectValidChunks(doc, chunks, { maxTokens: 16, overlapTokens: 4 });
    expect(chunks[0]?.text).toBe("start");
    expect(chunks.at(-1)?.text.endsWith(" end")).toBe(true);
    expect(chunks.map((chunk) => chunk.text.replace(/^start$/, "").replace(/ end$/, "")).join("")).toBe(word);
    expect(chunks.slice(1, -1).every((chunk) => chunk.tokenCount === 16)).toBe(true);
  });

  it("never cuts a surrogate pair when splitting a huge word", () => {
    const word = "𝐀".repeat(3000);
    const { doc, chunks } = chunkText(word, "text", { maxTokens: 16, overlapTokens: 0 });
    expectValidChunks(doc, chunks, { maxTokens: 16, overlapTokens: 0 });
    expect(chunks.map((chunk) => chunk.text).join("")).toBe(word);
  });

  it("splits a long code block at line boundaries and overlaps whole lines", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `  total += value${i};`);
    const text = `Intro.\n\n\`\`\`js\n${lines.join("\n")}\n\`\`\``;
    const options = { maxTokens: 32, overlapTokens: 12 };
    const { doc, chunks } = chunkText(text, "markdown", options);
    expectValidChunks(doc, chunks, options);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks.slice(1)) {
      expect(text[chunk.end] === "\n" || chunk.end === text.length).toBe(true);
      expect(/\n[ \t]*$/.test(text.slice(0, chunk.start))).toBe(true);
    }
    expect(chunks.slice(2).some((chunk, i) => chunk.start < (chunks[i + 1] as Chunk).end)).toBe(true);
  });

  it("keeps a list run together and splits long lists between items", () => {
    const items = Array.from({ length: 12 }, (_, i) => `- item number ${i} has a few words`);
    const text = `Intro paragraph.\n\n${items.join("\n")}`;
    const options = { maxTokens: 40, overlapTokens: 0 };
    const { doc, chunks } = chunkText(text, "markdown", options);
    expectValidChunks(doc, chunks, options);
    expect(chunks[0]?.text).toBe("Intro paragraph.");
    for (const chunk of chunks.slice(1)) {
      expect(chunk.text.startsWith("- item")).toBe(true);
      expect(chunk.text.endsWith("a few words")).toBe(true);
    }
  });
});

describe("chunkDocument: sections", () => {
  it("never lets a chunk cross a heading and labels chunks with their heading path", () => {
    const text = "# Guide\n\nIntro text here.\n\n## Install\n\nRun the installer and wait for it to finish completely.\n\n## Use\n\nCall the API.";
    const chunks = chunkDocument(parseDocument(text, "markdown"), { maxTokens: 64, overlapTokens: 16 });
    expect(chunks.map((chunk) => [chunk.headingPath, chunk.text])).toEqual([
      [["Guide"], "Intro text here."],
      [["Guide", "Install"], "Run the installer and wait for it to finish completely."],
      [["Guide", "Use"], "Call the API."],
    ]);
  });

  it("produces no chunk for a heading with an empty body", () => {
    const chunks = chunkDocument(parseDocument("# A\n## B\n\n## C\nThe only body text in this document.", "markdown"), defaultChunkingOptions);
    expect(chunks.map((chunk) => [chunk.seq, chunk.headingPath, chunk.text])).toEqual([[0, ["A", "C"], "The only body text in this document."]]);
  });

  it("drops chunks with no letters or digits and keeps seq contiguous", () => {
    const chunks = chunkDocument(parseDocument("# A\n\n---\n\n# B\n\nReal text.\n\n# C\n\n* * *\n\n# D\n\nMore text.", "markdown"), defaultChunkingOptions);
    expect(chunks.map((chunk) => [chunk.seq, chunk.headingPath, chunk.text])).toEqual([
      [0, ["B"], "Real text."],
      [1, ["D"], "More text."],
    ]);
  });

  it("merges consecutive tiny sections under their common ancestor, keeping sub-headings in the text", () => {
    const text = [
      "# Doc",
      "## Options",
      "### timeout",
      "Seconds to wait.",
      "### retries",
      "How many attempts.",
      "## Details",
      "This section is long enough that it is never treated as tiny by the chunker, because it has many words.",
    ].join("\n");
    const chunks = chunkDocument(parseDocument(text, "markdown"), defaultChunkingOptions);
    expect(chunks.map((chunk) => [chunk.headingPath, chunk.text])).toEqual([
      [["Doc", "Options"], "### timeout\nSeconds to wait.\n### retries\nHow many attempts."],
      [["Doc", "Details"], "This section is long enough that it is never treated as tiny by the chunker, because it has many words."],
    ]);
  });

  it("merges a parent's short intro with its tiny children under the parent's path", () => {
    const text = "# Guide\n## Install\nRun one of:\n### npm\nnpm i x\n### yarn\nyarn add x\n# Next\nother";
    const chunks = chunkDocument(parseDocument(text, "markdown"), defaultChunkingOptions);
    expect(chunks.map((chunk) => [chunk.headingPath, chunk.text])).toEqual([
      [["Guide", "Install"], "Run one of:\n### npm\nnpm i x\n### yarn\nyarn add x"],
      [["Next"], "other"],
    ]);
  });

  it("does not merge tiny sections that share no heading", () => {
    const chunks = chunkDocument(parseDocument("# A\nFirst.\n# B\nSecond.", "markdown"), defaultChunkingOptions);
    expect(chunks.map((chunk) => [chunk.headingPath, chunk.text])).toEqual([
      [["A"], "First."],
      [["B"], "Second."],
    ]);
  });

  it("does not merge a tiny section into a neighbour that is not tiny", () => {
    const long = "This body has quite a lot of words in it so it is definitely not a tiny section at all.";
    const chunks = chunkDocument(parseDocument(`# T\n## A\nShort.\n## B\n${long}\n## C\nAlso short.`, "markdown"), defaultChunkingOptions);
    expect(chunks.map((chunk) => chunk.text)).toEqual(["Short.", long, "Also short."]);
  });

  it("does not overlap chunks of different sections", () => {
    const body = essay(6, 7);
    const options = { maxTokens: 48, overlapTokens: 16 };
    const { doc, chunks } = chunkText(`# One\n\n${body}\n\n# Two\n\n${body}`, "markdown", options);
    expectValidChunks(doc, chunks, options);
    const boundary = chunks.findIndex((chunk) => chunk.headingPath[0] === "Two");
    expect(boundary).toBeGreaterThan(0);
    expect((chunks[boundary] as Chunk).start).toBeGreaterThanOrEqual((chunks[boundary - 1] as Chunk).end);
  });
});

describe("chunkDocument: invariants on realistic documents", () => {
  const documents: Array<[string, string, "text" | "markdown" | "html"]> = [
    ["markdown README", readme, "markdown"],
    ["HTML page", htmlPage, "html"],
    ["plain-text essay", essay(40, 1), "text"],
    ["markdown essay with headings", essay(30, 2).replace(/\n\n(?=The cache)/g, "\n\n## Cache notes\n\n"), "markdown"],
  ];
  for (const [name, source, format] of documents) {
    for (const options of optionSets) {
      it(`${name} with maxTokens ${options.maxTokens}, overlap ${options.overlapTokens}`, () => {
        const { doc, chunks } = chunkText(source, format, options);
        expect(chunks.length).toBeGreaterThan(0);
        expectValidChunks(doc, chunks, options);
      });
    }
  }

  it("is deterministic", () => {
    const doc = parseDocument(readme, "markdown");
    expect(chunkDocument(doc, { maxTokens: 64, overlapTokens: 16 })).toEqual(chunkDocument(doc, { maxTokens: 64, overlapTokens: 16 }));
  });

  it("overlaps consecutive chunks of a long section when the budget is small", () => {
    const options = { maxTokens: 64, overlapTokens: 16 };
    const { chunks } = chunkText(essay(40, 3), "text", options);
    const overlapping = chunks.filter((chunk, i) => i > 0 && chunk.start < (chunks[i - 1] as Chunk).end);
    expect(overlapping.length).toBeGreaterThan(chunks.length / 4);
  });

  it("chunks the README into labelled, citable pieces", () => {
    const { chunks } = chunkText(readme, "markdown", defaultChunkingOptions);
    const byHeading = new Map(chunks.map((chunk) => [chunk.headingPath.join(" > "), chunk.text]));
    expect(byHeading.get("edge-rag > Install")).toContain("npm run provision");
    expect(byHeading.get("edge-rag > Configuration")).toContain("| CHUNK_MAX_TOKENS | 320 |");
    expect(byHeading.get("edge-rag > Configuration > Options")).toBe("#### timeout\nSeconds to wait.\n\n#### retries\nHow many attempts.\n\n#### region\nWhere it runs.");
    expect(byHeading.get("edge-rag > FAQ")).toMatch(/^### Can I use my own model\?\nYes\.[^]*### Is there a limit\?\nDocuments are limited to 1 MB\.$/);
    expect(chunks.some((chunk) => chunk.text.includes("title: edge-rag"))).toBe(false);
  });
});

describe("chunkDocument: pathological input terminates with valid chunks", () => {
  const cases: Array<[string, () => string, "text" | "markdown" | "html"]> = [
    ["one 50,000-character word", () => `before ${"x".repeat(50_000)} after`, "text"],
    ["1 MB of one repeated letter", () => "a".repeat(1 << 20), "text"],
    ["1 MB of one repeated punctuation mark", () => "!".repeat(1 << 20), "text"],
    ["1 MB of whitespace", () => " \n".repeat(1 << 19), "text"],
    ["20,000 tiny lines", () => "x\n".repeat(20_000), "text"],
    ["20,000 tiny list items", () => "- x\n".repeat(20_000), "markdown"],
    ["20,000 distinct headings", () => Array.from({ length: 20_000 }, (_, i) => `# h${i}\nx\n`).join(""), "markdown"],
    ["20,000 identical nested headings", () => "## h\nx\n".repeat(20_000), "markdown"],
    ["20,000 table rows", () => "| a | b |\n".repeat(20_000), "markdown"],
    ["a 1 MB code line", () => `\`\`\`\n${"x=1;".repeat(250_000)}\n\`\`\``, "markdown"],
    ["sentences of dots", () => "a. ".repeat(300_000), "text"],
    ["CJK without spaces", () => "漢字かな交じり文。".repeat(50_000), "text"],
    ["a long emoji run", () => "😀".repeat(100_000), "text"],
    ["random prose near 1 MB", () => essay(4_000, 9), "text"],
    ["deeply nested HTML", () => `${"<div><ul><li>".repeat(5_000)}text`, "html"],
  ];
  for (const [name, build, format] of cases) {
    it(name, () => {
      const source = build();
      for (const options of [defaultChunkingOptions, { maxTokens: 16, overlapTokens: 7 }]) {
        const { doc, chunks } = chunkText(source, format, options);
        expectValidChunks(doc, chunks, options);
      }
    });
  }

  it("splits 1 MB of one letter into full pieces", () => {
    const { chunks } = chunkText("a".repeat(1 << 20), "text", defaultChunkingOptions);
    expect(chunks.length).toBeGreaterThan(500);
    expect(chunks.slice(0, -1).every((chunk) => chunk.tokenCount === 320)).toBe(true);
  });

  it("random mixed documents", () => {
    const next = random(42);
    const fragments = [
      "word",
      "Word.",
      "e.g.",
      "3.14",
      "U.S.",
      "!",
      "?",
      "…",
      "—",
      "😀",
      "𝐀𝐁",
      "漢字。",
      "snake_case",
      "https://example.com/a/b?c=d",
      "x".repeat(400),
      "\n",
      "\n\n",
      "\n- ",
      "\n1. ",
      "\n| ",
      "\n```\n",
      "\n    ",
      "\n## ",
      "\n---\n",
      "\t",
      "  ",
    ];
    for (let round = 0; round < 30; round++) {
      const parts: string[] = [];
      const length = Math.floor(next() * 600);
      for (let i = 0; i < length; i++) parts.push(fragments[Math.floor(next() * fragments.length)] as string, next() < 0.7 ? " " : "");
      const source = parts.join("");
      const format = (["text", "markdown", "html"] as const)[round % 3] as "text" | "markdown" | "html";
      const options = optionSets[round % optionSets.length] as ChunkingOptions;
      const { doc, chunks } = chunkText(source, format, options);
      expectValidChunks(doc, chunks, options);
    }
  });
});
