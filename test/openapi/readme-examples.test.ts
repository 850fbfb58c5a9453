/**
 * The documentation's HTTP examples against the OpenAPI document: every
 * `curl` example in README.md and docs/*.md, every inline
 * `METHOD /path {json}` example and every `METHOD /path` mention names an
 * operation the document has; path parameters, query and JSON body pass the
 * schemas the route itself validates with (zod) and the document's JSON
 * Schema (@cfworker/json-schema); a complete JSON answer shown under an
 * example matches the documented answer. An example that drifts from the
 * API fails here.
 */
import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import readme from "../../README.md?raw";
import type { ApiOperation } from "../../functions/openapi/api-operation.js";
import { apiDocumentOptions, apiOperations } from "../../functions/openapi/api-operations.js";
import { buildOpenApiDocument, type JsonObject, type OpenApiDocument } from "../../functions/openapi/build-document.js";
import { matchOperation, matchTemplate } from "./document-paths.js";
import { curlExamples, inlineExamples, readShellWords, routeMentions, type HttpExample } from "./markdown-examples.js";

const document = buildOpenApiDocument(apiOperations, apiDocumentOptions);
const docs = import.meta.glob("../../docs/*.md", { query: "?raw", import: "default", eager: true });
const files: [string, string][] = [["README.md", readme], ...Object.entries(docs).map(([path, text]): [string, string] => [path.replace(/^(\.\.\/)+/, ""), text])];

/** What is wrong with an example (nothing: []). */
function checkExample(example: HttpExample, operations: readonly ApiOperation[], doc: OpenApiDocument): string[] {
  const label = `${example.source} ${example.method} ${example.path}`;
  const matched = matchOperation(operations, example.method, example.path);
  if (!matched) return [`${label}: no such operation in the document`];
  const { operation, params } = matched;
  const problems: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    // README placeholders such as DOC_ID stand for any valid id.
    const result = operation.pathParams![name]!.safeParse(value);
    if (!result.success) problems.push(`${label}: path parameter ${name}="${value}": ${result.error.issues[0]?.message}`);
  }
  if (Object.keys(example.query).length > 0) {
    if (!operation.query) problems.push(`${label}: sends a query the operation does not take`);
    else {
      const result = operation.query.safeParse(example.query);
      if (!result.success) problems.push(`${label}: query: ${result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
    }
  }
  if (example.body !== undefined && !operation.body) problems.push(`${label}: sends a body the operation does not take`);
  if (example.body === undefined && !example.form && (operation.body || operation.form)) problems.push(`${label}: sends no body; the operation needs one`);
  if (example.form) problems.push(...checkForm(label, example.form, operation));
  if (example.body !== undefined && operation.body) {
    const result = operation.body.schema.safeParse(example.body);
    if (!result.success) problems.push(`${label}: body (route's zod schema): ${result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`);
    const schema = requestSchema(doc, operation);
    const validation = new Validator(schema, "2020-12", false).validate(example.body);
    if (!validation.valid) problems.push(`${label}: body (document's JSON Schema): ${validation.errors.map((error) => `${error.instanceLocation} ${error.error}`).join("; ")}`);
  }
  for (const answer of example.answers) {
    const schemas = Object.values(operation.responses).flatMap((response) => (response?.json ? [response.json.schema] : []));
    // Objects are open in the schemas: compare after parsing, so an undocumented field in the example shows.
    const fits = schemas.some((schema) => {
      const result = schema.safeParse(answer);
      return result.success && JSON.stringify(result.data) === JSON.stringify(answer);
    });
    if (!fits) problems.push(`${label}: the answer shown (${JSON.stringify(answer).slice(0, 120)}) does not match the documented answer`);
  }
  return problems;
}

/** Form fields (`-F`) against the operation's multipart schema: known names, required ones present, files where files go, text that fits. */
function checkForm(label: string, form: Record<string, string>, operation: ApiOperation): string[] {
  if (!operation.form) return [`${label}: sends a form (-F) the operation does not take`];
  const schema = operation.form.schema as z.ZodObject;
  const problems: string[] = [];
  for (const [name, value] of Object.entries(form)) {
    const field = schema.shape[name] as z.ZodType | undefined;
    if (!field) problems.push(`${label}: form field "${name}" is not in the document`);
    else if (value.startsWith("@") !== ((field instanceof z.ZodOptional ? field.unwrap() : field) instanceof z.ZodFile)) problems.push(`${label}: form field "${name}": ${value.startsWith("@") ? "a file where text goes" : "text where a file goes"}`);
    else if (!value.startsWith("@") && !field.safeParse(value).success) problems.push(`${label}: form field "${name}" does not fit its schema`);
  }
  for (const [name, field] of Object.entries(schema.shape)) {
    if (!(field as z.ZodType).safeParse(undefined).success && !(name in form)) problems.push(`${label}: form field "${name}" is required`);
  }
  return problems;
}

/** The operation's request body schema from the document, with the document's components for its $refs. */
function requestSchema(doc: OpenApiDocument, operation: ApiOperation): JsonObject {
  const body = (doc.paths[operation.path]![operation.method] as { requestBody: { content: { "application/json": { schema: JsonObject } } } }).requestBody;
  return structuredClone({ ...body.content["application/json"].schema, components: doc.components });
}

describe("documentation examples against the OpenAPI document", () => {
  const curl = files.map(([file, text]) => ({ file, ...curlExamples(text, file) }));
  const inline = files.map(([file, text]) => ({ file, ...inlineExamples(text, file) }));

  it("every curl example is a documented operation with valid parameters, body and answer", () => {
    const examples = curl.flatMap((entry) => entry.examples);
    const problems = examples.flatMap((example) => checkExample(example, apiOperations, document));
    expect(problems).toEqual([]);
    const fromReadme = curl.find((entry) => entry.file === "README.md")!;
    const skipped = curl.flatMap((entry) => entry.skipped);
    const summary = `checked ${examples.length} curl examples; skipped ${skipped.length}: ${JSON.stringify(skipped)}`;
    // The README's first session, its key example and operations.md's replays, at least.
    expect(fromReadme.examples.length, summary).toBeGreaterThanOrEqual(6);
    expect(fromReadme.examples.filter((example) => example.body !== undefined).length, summary).toBeGreaterThanOrEqual(4);
    expect(examples.length, summary).toBeGreaterThanOrEqual(8);
    expect(examples.flatMap((example) => example.answers).length, summary).toBeGreaterThanOrEqual(1);
  });

  it("every inline `METHOD /path {json}` example is valid", () => {
    const examples = inline.flatMap((entry) => entry.examples);
    expect(examples.flatMap((example) => checkExample(example, apiOperations, document))).toEqual([]);
    expect(examples.length).toBeGreaterThanOrEqual(1);
  });

  it("every `METHOD /path` the documentation mentions is in the document", () => {
    const mentions = files.flatMap(([file, text]) => routeMentions(text, file));
    const unknown = mentions.filter((mention) => !matchOperation(apiOperations, mention.method, mention.path.replace(/:([A-Za-z_]+)/g, "{$1}")) && !documentHasTemplate(mention));
    expect(unknown.map((mention) => `${mention.source}: ${mention.method} ${mention.path}`)).toEqual([]);
    // The README's API table alone names every /v1 route.
    expect(mentions.filter((mention) => mention.source.startsWith("README.md")).length).toBeGreaterThanOrEqual(25);
  });
});

/** `PUT /v1/tenants/:id/limits` as written in the docs: the same template. */
function documentHasTemplate(mention: { method: string; path: string }): boolean {
  const template = mention.path.replace(/:([A-Za-z_]+)/g, "{$1}");
  return apiOperations.some((operation) => operation.method === mention.method.toLowerCase() && operation.path === template);
}

describe("the checks fail when an example drifts", () => {
  const check = (markdown: string) => {
    const { examples, skipped } = curlExamples(markdown, "drift.md");
    expect(skipped).toEqual([]);
    expect(examples).toHaveLength(1);
    return checkExample(examples[0]!, apiOperations, document);
  };
  const fence = (command: string) => "```sh\n" + command + "\n```\n";

  it("a renamed field (topK)", () => {
    const problems = check(fence(`curl -s $API/v1/search -H "Authorization: Bearer $KEY" -d '{"query": "refunds", "topK": 3}'`));
    expect(problems.join("\n")).toMatch(/zod schema.*topK/);
    expect(problems.join("\n")).toMatch(/JSON Schema/);
  });

  it("a path the API does not have", () => {
    expect(check(fence(`curl -s $API/v1/documents/refunds/chunks -H "Authorization: Bearer $KEY"`)).join()).toMatch(/no such operation/);
  });

  it("a method the path does not take", () => {
    expect(check(fence(`curl -s -X PATCH $API/v1/documents/refunds -d '{}'`)).join()).toMatch(/no such operation/);
  });

  it("a bad query value", () => {
    expect(check(fence(`curl -s "$API/v1/documents?limit=500" -H "Authorization: Bearer $KEY"`)).join()).toMatch(/query: limit/);
  });

  it("an answer with a field the API does not send", () => {
    const problems = check(fence(`curl -s -X DELETE $API/v1/documents/refunds\n# {"id":"refunds","status":"deleted","deleted_at":"now"}`));
    expect(problems.join()).toMatch(/does not match the documented answer/);
  });

  it("a form field the upload does not take, or text where the file goes", () => {
    const problems = check(fence(`curl -s $API/v1/documents -H "Authorization: Bearer $KEY" -F file=notes -F format=markdown`));
    expect(problems.join("\n")).toMatch(/"file": text where a file goes/);
    expect(problems.join("\n")).toMatch(/"format" is not in the document/);
    expect(check(fence(`curl -s $API/v1/documents -H "Authorization: Bearer $KEY" -F title=x`)).join()).toMatch(/"file" is required/);
    expect(check(fence(`curl -s $API/v1/search -H "Authorization: Bearer $KEY" -F file=@a.pdf`)).join()).toMatch(/does not take/);
  });

  it("a missing body", () => {
    expect(check(fence(`curl -s -X POST $API/v1/search -H "Authorization: Bearer $KEY"`)).join()).toMatch(/sends no body/);
  });
});

describe("markdown example parser", () => {
  it("reads method, path, query, a multi-line single-quoted body and the answer below", () => {
    const markdown = [
      "Text",
      "```sh",
      "# a comment",
      `curl -s $API/v1/documents -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{`,
      `  "id": "a",`,
      `  "content": "it's \\n here"`.replace("it's", "its"),
      `}'`,
      `# {"id":"a","status":"queued","version":1}`,
      "",
      `curl -s -X DELETE "http://127.0.0.1:8787/v1/documents/a?x=1" \\`,
      `  -H "Authorization: Bearer $KEY"   # trailing comment`,
      "curl -s $API/v1/documents -d @file.json",
      "curl -s https://example.com",
      "```",
    ].join("\n");
    const { examples, skipped } = curlExamples(markdown, "x.md");
    expect(examples).toEqual([
      { source: "x.md:4", method: "POST", path: "/v1/documents", query: {}, body: { id: "a", content: "its \n here" }, answers: [{ id: "a", status: "queued", version: 1 }] },
      { source: "x.md:10", method: "DELETE", path: "/v1/documents/a", query: { x: "1" }, answers: [] },
    ]);
    expect(skipped.map((entry) => entry.source)).toEqual(["x.md:12", "x.md:13"]);
  });

  it("splits shell words like a shell", () => {
    const text = `a 'b c' "d \\"e\\"" f\\\ng # h\ni`;
    const { words, end } = readShellWords(text, 0);
    expect(words).toEqual(["a", "b c", 'd "e"', "f", "g"]);
    // The command ends at the newline after the comment; the next line is the next command.
    expect(text.slice(end)).toBe("\ni");
  });

  it("finds inline examples and route mentions", () => {
    const markdown = 'Use `PUT /v1/index/settings {"rerank": {"enabled": true}}` or `GET /v1/documents?status=failed`, see `DELETE /v1/keys/:id`.';
    expect(inlineExamples(markdown, "y.md").examples).toEqual([
      { source: "y.md:1", method: "PUT", path: "/v1/index/settings", query: {}, body: { rerank: { enabled: true } }, answers: [] },
    ]);
    expect(routeMentions(markdown, "y.md").map((mention) => `${mention.method} ${mention.path}`)).toEqual(["PUT /v1/index/settings", "GET /v1/documents", "DELETE /v1/keys/:id"]);
    expect(matchTemplate("/v1/keys/{id}", "/v1/keys/:id")).toEqual({ id: ":id" });
  });
});
