import { describe, expect, it } from "vitest";
import { z } from "zod";
import { keyWith, named, operatorOnly, publicAccess, type ApiOperation } from "./api-operation.js";
import { buildOpenApiDocument, checkOperations } from "./build-document.js";

const item = z.strictObject({ id: z.string().max(8), size: z.number().int().default(1) });
const itemInput = named("ItemInput", item);
const itemView = named("Item", z.object({ id: z.string(), parts: z.array(z.object({ n: z.number() })) }));
const itemList = named("ItemList", z.object({ items: z.array(itemView.schema) }));

const operations: ApiOperation[] = [
  {
    method: "post",
    path: "/v1/items",
    operationId: "createItem",
    summary: "Create",
    description: "Makes one.",
    tags: ["Items"],
    auth: keyWith("ingest"),
    rateLimited: true,
    body: { ...itemInput, maxBytes: 4096, description: "The item." },
    responses: { 201: { description: "Made", json: itemView } },
  },
  {
    method: "get",
    path: "/v1/items",
    operationId: "listItems",
    summary: "List",
    tags: ["Items"],
    auth: keyWith("ingest", "query"),
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(5).default(2), after: z.string().optional().describe("cursor") }),
    responses: { 200: { description: "Items", json: itemList } },
  },
  {
    method: "delete",
    path: "/v1/items/{id}",
    operationId: "deleteItem",
    summary: "Delete",
    tags: ["Items"],
    auth: operatorOnly,
    pathParams: { id: z.string().regex(/^i_\d+$/) },
    responses: { 204: { description: "Gone" } },
    errors: [409],
  },
  {
    method: "get",
    path: "/status",
    operationId: "status",
    summary: "Status",
    tags: ["Other"],
    auth: publicAccess,
    responses: {
      200: { description: "Up", json: named("Up", z.object({ ok: z.literal(true) })) },
      503: { description: "Down", json: named("Down", z.object({ ok: z.literal(false) })) },
    },
  },
];

const build = (list: ApiOperation[] = operations) => buildOpenApiDocument(list, { info: { title: "T", version: "1.0.0" }, tags: [{ name: "Other", description: "first" }] });

describe("buildOpenApiDocument", () => {
  it("puts named schemas in components and refers to them, nested ones included", () => {
    const document = build();
    expect(Object.keys(document.components.schemas).sort()).toEqual(["Down", "Error", "Item", "ItemInput", "ItemList", "Up"]);
    expect(document.paths["/v1/items"]!.post!.requestBody).toEqual({ required: true, description: "The item. At most 4 KiB.", content: { "application/json": { schema: { $ref: "#/components/schemas/ItemInput" } } } });
    expect(document.components.schemas.ItemList).toMatchObject({ properties: { items: { type: "array", items: { $ref: "#/components/schemas/Item" } } } });
  });

  it("renders request bodies as the route accepts them: defaults optional, strict objects closed", () => {
    const schema = build().components.schemas.ItemInput!;
    expect(schema).toMatchObject({ type: "object", required: ["id"], additionalProperties: false, properties: { size: { type: "integer", default: 1 } } });
    expect(schema.$schema).toBeUndefined();
    expect(schema.$id).toBeUndefined();
  });

  it("turns the query schema into one parameter per field, and path parameters into required ones", () => {
    const document = build();
    expect(document.paths["/v1/items"]!.get!.parameters).toEqual([
      { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 5, default: 2 } },
      { name: "after", in: "query", required: false, description: "cursor", schema: { type: "string" } },
      { $ref: "#/components/parameters/TenantId" },
    ]);
    expect(document.paths["/v1/items/{id}"]!.delete!.parameters).toEqual([
      { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^i_\\d+$" } },
      { $ref: "#/components/parameters/TenantId" },
    ]);
    expect(document.paths["/status"]!.get!.parameters).toBeUndefined();
  });

  it("states access as security alternatives and in the description", () => {
    const document = build();
    expect(document.paths["/v1/items"]!.get!.security).toEqual([{ bearerAuth: ["ingest"] }, { bearerAuth: ["query"] }, { bearerAuth: ["admin"] }]);
    expect(document.paths["/v1/items"]!.get!.description).toBe("Needs a key with the `ingest`, `query` or `admin` scope.");
    expect(document.paths["/v1/items"]!.post!.description).toBe("Makes one.\n\nNeeds a key with the `ingest` or `admin` scope.");
    expect(document.paths["/v1/items/{id}"]!.delete!.security).toEqual([{ bearerAuth: ["operator"] }]);
    expect(document.paths["/status"]!.get!.security).toEqual([]);
  });

  it("adds the error answers the declaration implies, with the one error shape", () => {
    const document = build();
    const statuses = (path: string, method: string) => Object.keys(document.paths[path]![method]!.responses as object);
    expect(statuses("/v1/items", "post")).toEqual(["201", "400", "401", "403", "413", "415", "429", "500", "503"]);
    expect(statuses("/v1/items", "get")).toEqual(["200", "400", "401", "403", "500"]);
    expect(statuses("/v1/items/{id}", "delete")).toEqual(["204", "401", "403", "404", "409", "500"]);
    // A declared 503 with its own body is kept, not replaced by the error shape.
    expect(document.paths["/status"]!.get!.responses).toMatchObject({ "503": { content: { "application/json": { schema: { $ref: "#/components/schemas/Down" } } } }, "500": { $ref: "#/components/responses/InternalError" } });
    expect(document.components.responses.BadRequest!.description).toMatch(/`INVALID_JSON`, `VALIDATION_FAILED`/);
    expect(document.components.responses.TooManyRequests).toMatchObject({ headers: { "Retry-After": { $ref: "#/components/headers/Retry-After" } } });
    expect(document.paths["/v1/items"]!.post!.responses).toMatchObject({ "201": { headers: { "RateLimit-Remaining": { $ref: "#/components/headers/RateLimit-Remaining" } } } });
    expect(document.paths["/v1/items/{id}"]!.delete!.responses).toMatchObject({ "204": { description: "Gone" } });
    expect((document.paths["/v1/items/{id}"]!.delete!.responses as Record<string, object>)["204"]).not.toHaveProperty("content");
  });

  it("uses an operation's own error body instead of the shared error answers", () => {
    const openAiError = named("OtherError", z.object({ error: z.object({ message: z.string(), type: z.string() }) }));
    const document = build([{ ...operations[1]!, errorBody: openAiError }]);
    const responses = document.paths["/v1/items"]!.get!.responses as Record<string, any>;
    expect(responses["401"]).toMatchObject({ description: expect.stringMatching(/`UNAUTHORIZED`/), content: { "application/json": { schema: { $ref: "#/components/schemas/OtherError" } } } });
    expect(responses["400"].$ref).toBeUndefined();
    expect(document.components.responses).toEqual({});
    expect(document.components.schemas.OtherError).toBeDefined();
  });

  it("keeps the listed tag order and appends the others", () => {
    expect(build().tags).toEqual([{ name: "Other", description: "first" }, { name: "Items" }]);
  });

  it("documents an event stream's events by reference", () => {
    const document = build([
      {
        method: "post",
        path: "/stream",
        operationId: "stream",
        summary: "S",
        tags: [],
        auth: publicAccess,
        responses: { 200: { description: "Events", eventStream: { description: "Ticks.", events: { tick: named("Tick", z.object({ n: z.number() })) } } } },
      },
    ]);
    const media = (document.paths["/stream"]!.post!.responses as any)["200"].content["text/event-stream"];
    expect(media["x-events"]).toEqual({ tick: { $ref: "#/components/schemas/Tick" } });
    expect(media.schema.description).toMatch(/`tick` → Tick/);
    expect(document.components.schemas.Tick).toBeDefined();
  });

  it("renders a multipart form beside the JSON body, files as binary strings, and its own errors", () => {
    const upload: ApiOperation = {
      ...operations[0]!,
      form: {
        ...named("ItemUpload", z.strictObject({ file: z.file(), note: z.string().optional() })),
        description: "Or a file.",
        encoding: { file: { contentType: "application/pdf" } },
      },
      errors: [422],
    };
    const document = build([upload, ...operations.slice(1)]);
    const entry = document.paths["/v1/items"]!.post as { requestBody: { description: string; content: Record<string, Record<string, unknown>> }; responses: Record<string, unknown> };
    expect(Object.keys(entry.requestBody.content)).toEqual(["application/json", "multipart/form-data"]);
    expect(entry.requestBody.content["multipart/form-data"]).toEqual({ schema: { $ref: "#/components/schemas/ItemUpload" }, encoding: { file: { contentType: "application/pdf" } } });
    expect(entry.requestBody.description).toBe("The item. At most 4 KiB.\n\nOr a file.");
    expect(document.components.schemas.ItemUpload).toMatchObject({ properties: { file: { type: "string", format: "binary" } }, required: ["file"] });
    expect(entry.responses["422"]).toEqual({ $ref: "#/components/responses/UnprocessableFile" });
    expect(() => checkOperations([{ ...operations[1]!, form: upload.form }])).toThrow(/a GET takes no body/);
  });

  it("gives the same document every time", () => {
    expect(JSON.stringify(build())).toBe(JSON.stringify(build()));
  });
});

describe("checkOperations refuses contradictory declarations", () => {
  const base = operations[0]!;
  it.each<[string, ApiOperation[], RegExp]>([
    ["a repeated method and path", [base, { ...base, operationId: "other" }], /declared twice/],
    ["a repeated operationId", [base, { ...base, method: "put" }], /operationId "createItem" is used twice/],
    ["Hono's :id syntax", [{ ...base, path: "/v1/items/:id" }], /write the path as OpenAPI does/],
    ["an undeclared path parameter", [{ ...base, path: "/v1/items/{id}" }], /path parameters \{id\} but pathParams declares \{\}/],
    ["a path parameter not in the path", [{ ...base, pathParams: { id: z.string() } }], /path parameters \{\} but pathParams declares \{id\}/],
    ["a body on GET", [{ ...base, method: "get" }], /a GET takes no body/],
    ["no answer", [{ ...base, responses: {} }], /declares no response/],
  ])("%s", (_name, list, message) => {
    expect(() => checkOperations(list)).toThrow(message);
  });

  it("two schemas under one name, or one schema under two names", () => {
    const other = { ...operations[1]!, responses: { 200: { description: "x", json: named("Item", z.object({})) } } };
    expect(() => build([operations[0]!, other])).toThrow(/two different schemas are named "Item"/);
    const renamed = { ...operations[1]!, responses: { 200: { description: "x", json: named("SameItem", itemView.schema) } } };
    expect(() => build([operations[0]!, renamed])).toThrow(/one schema is named both "Item" and "SameItem"/);
  });
});
