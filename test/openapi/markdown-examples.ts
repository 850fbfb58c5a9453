/**
 * Reads the HTTP examples out of Markdown documentation, so a test can check
 * them against the OpenAPI document:
 * - `curlExamples`: `curl` commands in fenced shell blocks (method, path,
 *   query, JSON body from `-d '…'` or form fields from `-F name=value` /
 *   `-F name=@file`, and the JSON answer shown in a comment line below, when
 *   there is one);
 * - `inlineExamples`: inline code such as `PUT /v1/index/settings {"rerank": …}`;
 * - `routeMentions`: every inline `METHOD /path` (tables, prose).
 *
 * Tolerant: what it cannot read (a body from a file, a URL it does not
 * recognise, JSON that does not parse) is returned in `skipped` with the
 * reason, never thrown, so the test can say how many examples it checked.
 */

export interface HttpExample {
  /** `file:line` of the example. */
  source: string;
  method: string;
  /** Path without the query, e.g. `/v1/documents/refunds`. */
  path: string;
  query: Record<string, string>;
  /** The parsed JSON body, if the example sends one. */
  body?: unknown;
  /** Multipart form fields (`-F`), if the example sends them: a file as `@path`. */
  form?: Record<string, string>;
  /** Complete JSON answers shown in `# {...}` comment lines right after the command. */
  answers: unknown[];
}

export interface Skipped {
  source: string;
  reason: string;
}

export interface RouteMention {
  source: string;
  method: string;
  /** As written, with `:id` placeholders (query removed). */
  path: string;
}

const shellFence = /^```(sh|bash|shell|console)?\s*$/;

/** `curl` commands in the fenced shell blocks of `markdown`. */
export function curlExamples(markdown: string, file: string): { examples: HttpExample[]; skipped: Skipped[] } {
  const examples: HttpExample[] = [];
  const skipped: Skipped[] = [];
  for (const block of fencedBlocks(markdown)) {
    let offset = 0;
    while (offset < block.text.length) {
      const lineEnd = indexOrEnd(block.text, "\n", offset);
      const line = block.text.slice(offset, lineEnd);
      const start = /^\s*(?:\$\s+)?curl\s/.exec(line);
      if (!start) {
        offset = lineEnd + 1;
        continue;
      }
      const lineNumber = block.firstLine + countNewlines(block.text, 0, offset);
      const source = `${file}:${lineNumber}`;
      const command = readShellWords(block.text, offset + start[0].length - 1);
      const parsed = parseCurl(command.words);
      if ("reason" in parsed) {
        skipped.push({ source, reason: parsed.reason });
      } else {
        examples.push({ source, ...parsed, answers: answersAfter(block.text, command.end) });
      }
      offset = Math.max(command.end, lineEnd) + 1;
    }
  }
  return { examples, skipped };
}

/** Inline code of the form `METHOD /path {json}`. */
export function inlineExamples(markdown: string, file: string): { examples: HttpExample[]; skipped: Skipped[] } {
  const examples: HttpExample[] = [];
  const skipped: Skipped[] = [];
  for (const match of markdown.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^\s`]*) (\{[^`]*\})`/g)) {
    const source = `${file}:${lineOf(markdown, match.index)}`;
    const body = parseJson(match[3]!);
    if (body === undefined) {
      skipped.push({ source, reason: `body is not JSON: ${match[3]}` });
      continue;
    }
    examples.push({ source, method: match[1]!, ...splitQuery(match[2]!), body: body.value, answers: [] });
  }
  return { examples, skipped };
}

/** Every inline `METHOD /path` (with or without a body after it). */
export function routeMentions(markdown: string, file: string): RouteMention[] {
  return [...markdown.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^\s`?]*)[^`]*`/g)].map((match) => ({
    source: `${file}:${lineOf(markdown, match.index)}`,
    method: match[1]!,
    path: match[2]!,
  }));
}

function fencedBlocks(markdown: string): { text: string; firstLine: number }[] {
  const lines = markdown.split("\n");
  const blocks: { text: string; firstLine: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!shellFence.test(lines[i]!)) continue;
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    if (end === -1) break;
    blocks.push({ text: lines.slice(i + 1, end).join("\n"), firstLine: i + 2 });
    i = end;
  }
  return blocks;
}

/**
 * Shell words from `start` to the end of the command: single quotes (literal,
 * may span lines), double quotes (backslash escapes), backslash-newline
 * continuations; stops at an unquoted newline, `#` comment, `|`, `;` or `&&`.
 */
export function readShellWords(text: string, start: number): { words: string[]; end: number } {
  const words: string[] = [];
  let word: string | null = null;
  let i = start;
  const finish = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  for (; i < text.length; i++) {
    const char = text[i]!;
    if (char === "\\" && text[i + 1] === "\n") {
      i++;
      finish();
      continue;
    }
    if (char === "\n" || char === ";" || char === "|" || (char === "&" && text[i + 1] === "&")) break;
    if (char === "#" && word === null) {
      i = indexOrEnd(text, "\n", i);
      break;
    }
    if (char === " " || char === "\t") {
      finish();
      continue;
    }
    if (char === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) return { words: [...words, (word ?? "") + text.slice(i + 1)], end: text.length };
      word = (word ?? "") + text.slice(i + 1, close);
      i = close;
      continue;
    }
    if (char === '"') {
      let value = "";
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        value += text[i];
      }
      word = (word ?? "") + value;
      continue;
    }
    word = (word ?? "") + char;
  }
  finish();
  return { words, end: i };
}

const dataOptions = new Set(["-d", "--data", "--data-raw", "--data-binary", "--json"]);
/** curl options that take a value we do not need. */
const optionsWithValue = new Set(["-H", "--header", "-o", "--output", "-u", "--user", "-m", "--max-time", "-w", "--write-out", "-A", "--user-agent"]);

function parseCurl(words: string[]): Omit<HttpExample, "source" | "answers"> | { reason: string } {
  let method: string | undefined;
  let data: string | undefined;
  let url: string | undefined;
  let form: Record<string, string> | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === "-F" || word === "--form") {
      const field = words[++i] ?? "";
      const equals = field.indexOf("=");
      if (equals <= 0) return { reason: `form field without a name: ${field}` };
      const value = field.slice(equals + 1);
      (form ??= {})[field.slice(0, equals)] = value.startsWith("@") ? value.replace(/;type=.*$/, "") : value;
      continue;
    }
    if (word === "-X" || word === "--request") method = words[++i];
    else if (/^-X[A-Z]+$/.test(word)) method = word.slice(2);
    else if (dataOptions.has(word)) data = words[++i];
    else if (optionsWithValue.has(word)) i++;
    else if (word.startsWith("-")) continue;
    else url ??= word;
  }
  if (url === undefined) return { reason: "no URL" };
  if (form && data !== undefined) return { reason: "both -d and -F" };
  const path = /^(?:\$\{?API\}?|https?:\/\/[^/]+)(\/.*)?$/.exec(url)?.[1];
  if (path === undefined) return { reason: `URL not recognised: ${url}` };
  let body: unknown;
  if (data !== undefined) {
    if (data.startsWith("@")) return { reason: `body read from a file (${data})` };
    const parsed = parseJson(data);
    if (parsed === undefined) return { reason: `body is not JSON: ${data.slice(0, 80)}` };
    body = parsed.value;
  }
  return {
    method: (method ?? (data === undefined && !form ? "GET" : "POST")).toUpperCase(),
    ...splitQuery(path),
    ...(data === undefined ? {} : { body }),
    ...(form ? { form } : {}),
  };
}

/** `# {...}` lines right after a command that parse as JSON on their own (abbreviated ones with `…` do not). */
function answersAfter(text: string, end: number): unknown[] {
  const answers: unknown[] = [];
  for (const line of text.slice(end + 1).split("\n")) {
    const comment = /^#\s?(.*)$/.exec(line.trim());
    if (!comment) break;
    const parsed = comment[1]!.startsWith("{") ? parseJson(comment[1]!) : undefined;
    if (parsed) answers.push(parsed.value);
  }
  return answers;
}

function splitQuery(path: string): { path: string; query: Record<string, string> } {
  const question = path.indexOf("?");
  if (question === -1) return { path, query: {} };
  return { path: path.slice(0, question), query: Object.fromEntries(new URLSearchParams(path.slice(question + 1))) };
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

function indexOrEnd(text: string, search: string, from: number): number {
  const index = text.indexOf(search, from);
  return index === -1 ? text.length : index;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (text[i] === "\n") count++;
  return count;
}

function lineOf(text: string, index: number): number {
  return countNewlines(text, 0, index) + 1;
}
