// Tests for Vectorize metadata filters: validation, the matcher's semantics,
// and that the D1 predicate selects exactly what the matcher accepts.
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import {
  compareCodePoints,
  compileMetadataFilterToSql,
  matchesMetadataFilter,
  maxSqlParamsPerFilterKey,
  parseMetadataFilter,
  type MetadataFilter,
} from "./metadata-filter.js";

function validationMessage(input: unknown, options?: Parameters<typeof parseMetadataFilter>[1]): string {
  try {
    parseMetadataFilter(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("VALIDATION_FAILED");
    return (error as AppError).message;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe("parseMetadataFilter", () => {
  it("accepts every documented form and returns an equal copy", () => {
    const input = {
      platform: "netflix",
      year: { $gte: 2020, $lt: 2025 },
      prefix: { $gte: "net", $lt: "neu" },
      "pandas.nice": 42,
      flag: { $ne: true },
      gone: null,
      tags: { $in: ["a", 1, false, null] },
      other: { $nin: ["x"] },
      eqNull: { $eq: null },
    };
    const parsed = parseMetadataFilter(input);
    expect(parsed).toEqual(input);
    expect(parsed).not.toBe(input);
    expect(parsed.tags).not.toBe(input.tags);
  });

  it.each([
    ["not an object", "streaming_platform", "JSON object"],
    ["an array", [{ a: 1 }], "JSON object"],
    ["null", null, "JSON object"],
    ["empty", {}, "must not be empty"],
    ["an empty key", { "": 1 }, "must not be empty"],
    ["a key starting with $", { $eq: 1 }, '"$eq" must not start with "$"'],
    ["a key with a double quote", { 'a"b': 1 }, "double quote"],
    ["an empty nested segment", { "a..b": 1 }, '"a..b" has an empty segment'],
    ["a trailing dot", { "a.": 1 }, "empty segment"],
    ["a key over 512 characters", { ["k".repeat(513)]: 1 }, "longer than 512"],
    ["an unknown operator", { year: { $between: [1, 2] } }, 'filter key "year": unknown operator "$between"'],
    ["$and", { year: { $and: [] } }, 'unknown operator "$and"'],
    ["an empty operator object", { year: {} }, 'filter key "year": operator object must not be empty'],
    ["a nested non-operator object", { pandas: { nice: 42 } }, 'unknown operator "nice"'],
    ["a bare array", { tags: ["a", "b"] }, 'filter key "tags": a list of values needs an operator'],
    ["NaN", { n: Number.NaN }, 'filter key "n": value must be'],
    ["Infinity in $eq", { n: { $eq: Number.POSITIVE_INFINITY } }, "$eq takes a string, a finite number"],
    ["an object in $eq", { n: { $eq: { a: 1 } } }, "$eq takes"],
    ["$in with a scalar", { n: { $in: "a" } }, "$in takes a non-empty array"],
    ["an empty $in", { n: { $in: [] } }, "$in takes a non-empty array"],
    ["nested arrays in $nin", { n: { $nin: [["a"]] } }, "$nin values must be"],
    ["a boolean range bound", { n: { $gt: true } }, "$gt takes a string or a finite number"],
    ["a null range bound", { n: { $lte: null } }, "$lte takes a string or a finite number"],
    ["$eq with $ne", { n: { $eq: 1, $ne: 2 } }, "cannot be combined"],
    ["$in with a range", { n: { $in: [1], $gt: 0 } }, "cannot be combined"],
    ["two lower bounds", { n: { $gt: 1, $gte: 2 } }, "cannot be combined"],
    ["mixed-type range bounds", { n: { $gt: 1, $lt: "z" } }, "both bounds of a range"],
    ["a filter of 2048 bytes or more", { k: "x".repeat(2040) }, "less than 2048"],
  ])("rejects %s", (_name, input, expected) => {
    expect(validationMessage(input)).toContain(expected);
  });

  it("accepts a filter just under 2048 bytes and counts bytes, not characters", () => {
    // {"k":"..."} adds 8 bytes around the string.
    expect(() => parseMetadataFilter({ k: "x".repeat(2039) })).not.toThrow();
    expect(validationMessage({ k: "é".repeat(1020) })).toContain("2048");
  });

  it("refuses reserved keys, also as the head of a nested key", () => {
    const reservedKeys = ["tenant_id", "document_id"];
    expect(validationMessage({ tenant_id: "other" }, { reservedKeys })).toContain('"tenant_id" is reserved');
    expect(validationMessage({ "document_id.x": 1 }, { reservedKeys })).toContain("reserved");
    expect(parseMetadataFilter({ tenant: "x" }, { reservedKeys })).toEqual({ tenant: "x" });
  });

  it("yields a filter the Vectorize binding accepts, and accepts the binding's filter type", () => {
    const parsed: VectorizeVectorMetadataFilter = parseMetadataFilter({ a: { $in: ["x"] } });
    const fromBinding: MetadataFilter = { a: { $lt: 3 } } satisfies VectorizeVectorMetadataFilter;
    expect(matchesMetadataFilter({ a: 2 }, fromBinding)).toBe(true);
    expect(parsed).toEqual({ a: { $in: ["x"] } });
  });
});

describe("matchesMetadataFilter", () => {
  const cases: [string, Record<string, unknown> | undefined, MetadataFilter, boolean][] = [
    ["implicit $eq on a string", { p: "netflix" }, { p: "netflix" }, true],
    ["implicit $eq, different string", { p: "hbo" }, { p: "netflix" }, false],
    ["$eq is type-strict: string vs number", { n: "1" }, { n: 1 }, false],
    ["$eq is type-strict: number vs string", { n: 1 }, { n: { $eq: "1" } }, false],
    ["$eq is type-strict: boolean vs number", { b: true }, { b: 1 }, false],
    ["$eq on booleans", { b: false }, { b: false }, true],
    ["$eq on a missing key", {}, { p: "x" }, false],
    ["$eq null selects a missing key", {}, { p: null }, true],
    ["$eq null selects an explicit null", { p: null }, { p: { $eq: null } }, true],
    ["$eq null rejects a present key", { p: "" }, { p: null }, false],
    ["$eq null with no metadata at all", undefined, { p: null }, true],
    ["$ne on a different value", { p: "hbo" }, { p: { $ne: "netflix" } }, true],
    ["$ne on the same value", { p: "netflix" }, { p: { $ne: "netflix" } }, false],
    ["$ne selects a missing key", {}, { p: { $ne: "netflix" } }, true],
    ["$ne across types", { n: 1 }, { n: { $ne: "1" } }, true],
    ["$ne null selects a present key", { p: 0 }, { p: { $ne: null } }, true],
    ["$ne null rejects a missing key", {}, { p: { $ne: null } }, false],
    ["$in hit", { p: "hbo" }, { p: { $in: ["netflix", "hbo"] } }, true],
    ["$in miss", { p: "amazon" }, { p: { $in: ["netflix", "hbo"] } }, false],
    ["$in is type-strict", { n: 1 }, { n: { $in: ["1", true] } }, false],
    ["$in with null selects a missing key", {}, { p: { $in: ["a", null] } }, true],
    ["$in without null rejects a missing key", {}, { p: { $in: ["a"] } }, false],
    ["$nin selects a missing key", {}, { p: { $nin: ["a"] } }, true],
    ["$nin rejects a listed value", { p: "a" }, { p: { $nin: ["a", "b"] } }, false],
    ["$nin with null rejects a missing key", {}, { p: { $nin: [null] } }, false],
    ["$lt on numbers", { n: 1 }, { n: { $lt: 2 } }, true],
    ["$lt is strict", { n: 2 }, { n: { $lt: 2 } }, false],
    ["$lte includes the bound", { n: 2 }, { n: { $lte: 2 } }, true],
    ["$gt on numbers", { n: 2.5 }, { n: { $gt: 2 } }, true],
    ["$gte includes the bound", { n: -1 }, { n: { $gte: -1 } }, true],
    ["range on a missing key", {}, { n: { $gte: 0 } }, false],
    ["number bound does not select strings", { n: "5" }, { n: { $gt: 1 } }, false],
    ["string bound does not select numbers", { n: 5 }, { n: { $lt: "z" } }, false],
    ["range never selects booleans", { n: true }, { n: { $gte: 0 } }, false],
    ["strings order lexicographically", { p: "netflix" }, { p: { $gte: "net", $lt: "neu" } }, true],
    ["string prefix range excludes the next prefix", { p: "neu" }, { p: { $gte: "net", $lt: "neu" } }, false],
    ["string ranges are case-sensitive (code point order)", { p: "Zebra" }, { p: { $lt: "a" } }, true],
    ["two-sided numeric range", { n: 1734300000 }, { n: { $gte: 1734242400, $lt: 1734328800 } }, true],
    ["dotted keys reach nested properties", { pandas: { nice: 42 } }, { "pandas.nice": 42 }, true],
    ["dotted keys do not match flat dotted names", { "pandas.nice": 42 }, { "pandas.nice": 42 }, false],
    ["an array value equals no scalar", { tags: ["a"] }, { tags: "a" }, false],
    ["an array value is $ne every scalar", { tags: ["a"] }, { tags: { $ne: "a" } }, true],
    ["an object value is not missing", { o: { a: 1 } }, { o: null }, false],
    ["inherited properties count as missing", {}, { constructor: null }, true],
    ["keys are ANDed: all hold", { a: 1, b: "x" }, { a: 1, b: { $ne: "y" } }, true],
    ["keys are ANDed: one fails", { a: 1, b: "y" }, { a: 1, b: { $ne: "y" } }, false],
  ];
  it.each(cases)("%s", (_name, metadata, filter, expected) => {
    expect(matchesMetadataFilter(metadata, parseMetadataFilter(filter))).toBe(expected);
  });

  it("orders strings by code point, unlike JavaScript's UTF-16 comparison", () => {
    const bmpHigh = "\uFFFD";
    const astral = "\u{1F600}";
    expect(bmpHigh < astral).toBe(false); // UTF-16: 0xFFFD > 0xD83D
    expect(compareCodePoints(bmpHigh, astral)).toBeLessThan(0);
    expect(matchesMetadataFilter({ s: bmpHigh }, { s: { $lt: astral } })).toBe(true);
    expect(compareCodePoints("ab", "abc")).toBeLessThan(0);
    expect(compareCodePoints("b", "abc")).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------
// SQL equivalence against real D1

const table = "metadata_filter_equivalence";

/** Values the rows take; `undefined` means the key is absent. */
const valuePool: unknown[] = [
  undefined, null, "a", "b", "", "1", "net", "netflix", "neu", "Zebra", "é", "\uFFFD", "\u{1F600}",
  1, 0, -1, 2, 2.5, 0.1, 123.456, 1e21, -1e-7, 1734300000, true, false, ["a"], { x: 1 },
];
/** Operands filters take (scalars only). */
const operandPool: (string | number | boolean)[] = [
  "a", "b", "", "1", "net", "neu", "é", "\uFFFD", "\u{1F600}", "Zebra", 1, 0, -1, 2, 2.5, 0.1, 123.456, 1e21, 1734242400, true, false,
];

function buildRows(): { id: string; metadata: string | null }[] {
  const rows: { id: string; metadata: string | null }[] = [];
  valuePool.forEach((value, i) => {
    const record: Record<string, unknown> = {};
    if (value !== undefined) record.k = value;
    const other = valuePool[(i * 7 + 3) % valuePool.length];
    if (other !== undefined) record.n = other;
    const nested = valuePool[(i * 5 + 1) % valuePool.length];
    if (i % 3 !== 0) record.p = nested === undefined ? {} : { q: nested };
    else if (i % 2 === 0) record.p = nested;
    if (i % 4 === 0) record["we ird\\key"] = value ?? "x";
    rows.push({ id: `r${i}`, metadata: JSON.stringify(record) });
  });
  rows.push({ id: "empty", metadata: "{}" });
  rows.push({ id: "null-column", metadata: null });
  return rows;
}

function buildFilters(): MetadataFilter[] {
  const filters: MetadataFilter[] = [];
  for (const key of ["k", "n", "p.q", "we ird\\key", "absent"]) {
    filters.push({ [key]: null }, { [key]: { $eq: null } }, { [key]: { $ne: null } });
    for (const operand of operandPool) {
      filters.push({ [key]: operand }, { [key]: { $ne: operand } });
      if (typeof operand !== "boolean") {
        for (const op of ["$lt", "$lte", "$gt", "$gte"]) filters.push({ [key]: { [op]: operand } });
      }
    }
    filters.push(
      { [key]: { $in: ["a", "b", 1, true] } },
      { [key]: { $nin: ["a", "b", 1, true] } },
      { [key]: { $in: [null, 2.5, false, "é"] } },
      { [key]: { $nin: [null, 0.1] } },
      { [key]: { $in: [true, false] } },
      { [key]: { $nin: ["", "1", 1] } },
      { [key]: { $gte: "net", $lt: "neu" } },
      { [key]: { $gt: -1, $lte: 2 } },
      { [key]: { $gte: 0.1, $lt: 1e21 } },
    );
  }
  filters.push(
    { k: "a", n: { $ne: "a" } },
    { k: { $in: [1, 2, "a"] }, "p.q": { $ne: null }, n: { $nin: [true] } },
    { k: { $gt: 0 }, n: { $lt: "z" } },
    { p: null },
    { p: { $ne: null } },
    { p: { $in: ["a", 1] } },
  );
  return filters.map((filter) => parseMetadataFilter(filter));
}

describe("compileMetadataFilterToSql", () => {
  const rows = buildRows();

  beforeAll(async () => {
    await env.DB.exec(`CREATE TABLE ${table} (id TEXT PRIMARY KEY, metadata TEXT)`);
    await env.DB.batch(rows.map((row) => env.DB.prepare(`INSERT INTO ${table} (id, metadata) VALUES (?, ?)`).bind(row.id, row.metadata)));
  });
  afterAll(async () => {
    await env.DB.exec(`DROP TABLE IF EXISTS ${table}`);
  });

  async function selectIds(filter: MetadataFilter, column = "metadata"): Promise<string[]> {
    const { sql, params } = compileMetadataFilterToSql(filter, column);
    const result = await env.DB.prepare(`SELECT id FROM ${table} WHERE ${sql} ORDER BY id`).bind(...params).all<{ id: string }>();
    return result.results.map((row) => row.id);
  }

  function expectedIds(filter: MetadataFilter, transform: (metadata: Record<string, unknown>) => Record<string, unknown> = (m) => m): string[] {
    return rows
      .filter((row) => matchesMetadataFilter(row.metadata === null ? undefined : transform(JSON.parse(row.metadata)), filter))
      .map((row) => row.id)
      .sort();
  }

  it("selects exactly the rows the matcher accepts, for every operator and value type", async () => {
    const filters = buildFilters();
    expect(filters.length).toBeGreaterThan(300);
    const mismatches: string[] = [];
    let nonTrivial = 0;
    for (const filter of filters) {
      const [actual, expected] = [await selectIds(filter), expectedIds(filter)];
      if (expected.length > 0 && expected.length < rows.length) nonTrivial++;
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches.push(`${JSON.stringify(filter)}: sql=${actual.join(",")} js=${expected.join(",")}`);
      }
    }
    expect(mismatches).toEqual([]);
    // The data set must discriminate: most filters select some rows but not all.
    expect(nonTrivial).toBeGreaterThan(filters.length / 2);
  });

  it("works over a JSON expression, not only a column", async () => {
    const filter = parseMetadataFilter({ document_id: { $in: ["r1", "r2", "empty"] } });
    const actual = await selectIds(filter, "json_set(ifnull(metadata, '{}'), '$.document_id', id)");
    expect(actual).toEqual(["empty", "r1", "r2"]);
  });

  it("binds keys as parameters instead of writing them into the SQL", async () => {
    const key = "x') OR 1=1 --";
    const { sql, params } = compileMetadataFilterToSql(parseMetadataFilter({ [key]: "v" }), "metadata");
    expect(sql).not.toContain(key);
    expect(params).toContain(`$."${key}"`);
    expect(await selectIds(parseMetadataFilter({ [key]: "v" }))).toEqual([]);
  });

  it("stays within the documented parameter budget per key", () => {
    const worst = parseMetadataFilter({ k: { $nin: ["a", 1, true, null] } });
    expect(compileMetadataFilterToSql(worst, "m").params.length).toBeLessThanOrEqual(maxSqlParamsPerFilterKey);
    const longList = parseMetadataFilter({ k: { $in: Array.from({ length: 300 }, (_, i) => i) } });
    expect(compileMetadataFilterToSql(longList, "m").params.length).toBeLessThanOrEqual(maxSqlParamsPerFilterKey);
  });

  it("validates filters it is handed unchecked instead of emitting broken SQL", () => {
    expect(() => compileMetadataFilterToSql({ a: { $in: [] } }, "m")).toThrow(/\$in takes a non-empty array/);
    expect(() => compileMetadataFilterToSql({ a: { $eq: 1, $ne: 2 } }, "m")).toThrow(AppError);
    expect(() => compileMetadataFilterToSql({}, "m")).toThrow(/must not be empty/);
  });

  it("refuses filters that need more parameters than the statement has left", () => {
    const manyKeys = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, `v${i}`]));
    expect(() => compileMetadataFilterToSql(manyKeys, "m")).toThrow(/needs 120 SQL parameters but only 100/);
    // Parsing applies the same budget, so no search mode accepts what another refuses.
    expect(() => parseMetadataFilter(manyKeys)).toThrow(/needs 120 SQL parameters but only 90/);
    expect(() => parseMetadataFilter(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key${i}`, `v${i}`])))).not.toThrow();
    expect(() => compileMetadataFilterToSql(parseMetadataFilter({ a: "x" }), "m", { maxParams: 2 })).toThrow(AppError);
  });
});
