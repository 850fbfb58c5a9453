/**
 * Vectorize metadata filters: validation of user-supplied filters, an
 * in-memory matcher with Vectorize's semantics (used by the local vector
 * stand-in), and a compiler to a SQLite/D1 predicate over a JSON column that
 * selects exactly the rows the matcher accepts (used by keyword search, so
 * both legs of hybrid search honour one filter the same way).
 *
 * Documented by Cloudflare (reference/metadata-filtering):
 * - operators `$eq $ne $in $nin $lt $lte $gt $gte`; a bare value means `$eq`;
 *   several keys are combined with AND;
 * - the filter is a non-empty object whose compact JSON is < 2048 bytes;
 * - keys are not empty, contain no `"`, do not start with `$`, are at most
 *   512 characters; `.` separates nested properties (`"a.b"` is `{a: {b}}`);
 * - `$eq`/`$ne` take a string, number, boolean or null; `$in`/`$nin` take
 *   arrays of those; range operators take a string or a number, strings are
 *   ordered lexicographically;
 * - an upper bound (`$lt`/`$lte`) may be combined with a lower bound
 *   (`$gt`/`$gte`) on one key; no other operator combinations are allowed.
 *
 * Not documented, decided here (the matcher and the SQL agree on all of it):
 * - Comparisons are type-strict: the string "1" never equals the number 1,
 *   `true` is not 1, and a range with a number bound only selects numbers
 *   (a string bound only strings).
 * - A property is "missing" when absent or JSON null. `$eq: null` (or a bare
 *   `null`) selects vectors where it is missing, `$ne: null` those where it
 *   is present; `null` inside `$in`/`$nin` works the same way.
 * - `$ne` and `$nin` are the exact complements of `$eq` and `$in`, so they
 *   also select vectors that lack the property (MongoDB's rule, and the only
 *   one under which `{k: {$ne: x}}` and "not `{k: x}`" agree).
 * - A property holding an array or an object equals no scalar: positive
 *   operators never select it, `$ne`/`$nin` always do.
 * - Strings order by Unicode code point, which is UTF-8 byte order (SQLite's
 *   BINARY collation), not JavaScript's UTF-16 order.
 * - Vectorize indexes only the first 64 bytes of a string property; this
 *   module compares whole strings.
 */
import { AppError } from "../errors.js";

export type MetadataScalar = string | number | boolean;

/**
 * The operators of one key. Typed as loosely as Cloudflare's
 * `VectorizeVectorMetadataFilter` so values flow both ways between the two
 * types; `parseMetadataFilter` enforces the stricter runtime rules.
 */
export interface MetadataFilterOperators {
  $eq?: MetadataScalar | null;
  $ne?: MetadataScalar | null;
  $lt?: MetadataScalar | null;
  $lte?: MetadataScalar | null;
  $gt?: MetadataScalar | null;
  $gte?: MetadataScalar | null;
  $in?: (MetadataScalar | null)[];
  $nin?: (MetadataScalar | null)[];
}

/**
 * A Vectorize metadata filter: structurally the same as workers-types'
 * `VectorizeVectorMetadataFilter` (declared here because the core cannot see
 * Cloudflare's global types; the two are assignable both ways).
 */
export type MetadataFilter = Record<string, MetadataScalar | null | MetadataFilterOperators>;

export type MetadataFilterOperator = keyof MetadataFilterOperators;

/** Limits Vectorize documents for filters. */
export const metadataFilterLimits = {
  /** The compact JSON of a filter must be shorter than this many bytes. */
  maxFilterBytes: 2048,
  /** Longest filter key, in characters. */
  maxKeyLength: 512,
} as const;

/** D1's limit on bound parameters in one statement. */
export const d1MaxBoundParameters = 100;

/**
 * The most parameters `compileMetadataFilterToSql` binds for one filter key
 * (`$in`/`$nin` with strings, numbers, booleans and null in one list). Any
 * filter with `floor(budget / 8)` keys or fewer always fits a budget.
 */
export const maxSqlParamsPerFilterKey = 8;

/**
 * SQL parameters a filter may use, leaving room for the statement's own
 * (tenant, query, limits...) within D1's 100. `parseMetadataFilter` enforces
 * it, so a filter accepted for one search mode is accepted for all.
 */
export const filterSqlParamBudget = 90;

const operators: readonly MetadataFilterOperator[] = ["$eq", "$ne", "$in", "$nin", "$lt", "$lte", "$gt", "$gte"];
const lowerBounds = new Set<string>(["$gt", "$gte"]);
const upperBounds = new Set<string>(["$lt", "$lte"]);

export interface ParseMetadataFilterOptions {
  /**
   * Keys callers may not filter on (the app manages them itself, e.g.
   * `tenant_id`). A dotted key is refused when its first segment is reserved.
   */
  reservedKeys?: Iterable<string>;
}

/**
 * Validates a user-supplied Vectorize metadata filter and returns a copy of
 * it. Throws `AppError("VALIDATION_FAILED")` naming the offending key or
 * operator when the filter breaks a rule Vectorize documents (see the module
 * comment), or uses a reserved key.
 */
export function parseMetadataFilter(input: unknown, options: ParseMetadataFilterOptions = {}): MetadataFilter {
  const filter = parseFilterShape(input, options);
  // Throws VALIDATION_FAILED when the SQL form would need too many parameters.
  compileMetadataFilterToSql(filter, "metadata", { maxParams: filterSqlParamBudget });
  return filter;
}

function parseFilterShape(input: unknown, options: ParseMetadataFilterOptions): MetadataFilter {
  if (!isPlainObject(input)) {
    throw invalid(`filter must be a JSON object mapping metadata keys to values or operator objects`);
  }
  const keys = Object.keys(input);
  if (keys.length === 0) throw invalid(`filter must not be empty`);
  const reserved = new Set(options.reservedKeys ?? []);
  const out: MetadataFilter = {};
  for (const key of keys) {
    checkKey(key, reserved);
    const value = input[key];
    if (isPlainObject(value)) {
      out[key] = parseOperators(key, value);
    } else if (isScalarOrNull(value)) {
      out[key] = value;
    } else if (Array.isArray(value)) {
      throw invalid(`filter key "${key}": a list of values needs an operator, e.g. {"${key}": {"$in": [...]}}`);
    } else {
      throw invalid(`filter key "${key}": value must be a string, a finite number, a boolean, null or an operator object`);
    }
  }
  const bytes = utf8ByteLength(JSON.stringify(out));
  if (bytes >= metadataFilterLimits.maxFilterBytes) {
    throw invalid(`filter is ${bytes} bytes as JSON; Vectorize accepts less than ${metadataFilterLimits.maxFilterBytes}`);
  }
  return out;
}

function checkKey(key: string, reserved: Set<string>): void {
  if (key === "") throw invalid(`filter keys must not be empty`);
  if (key.startsWith("$")) {
    throw invalid(`filter key "${key}" must not start with "$" (operators go inside a key: {"field": {"${key}": ...}})`);
  }
  if (key.includes('"')) throw invalid(`filter key ${JSON.stringify(key)} must not contain a double quote`);
  if (key.length > metadataFilterLimits.maxKeyLength) {
    throw invalid(`filter key "${key.slice(0, 32)}..." is longer than ${metadataFilterLimits.maxKeyLength} characters`);
  }
  const segments = key.split(".");
  if (segments.some((segment) => segment === "")) {
    throw invalid(`filter key "${key}" has an empty segment ("." separates nested properties)`);
  }
  if (reserved.has(key) || reserved.has(segments[0]!)) throw invalid(`filter key "${key}" is reserved and cannot be filtered on`);
  // Assigning "__proto__" would replace the copy's prototype and drop the condition silently.
  if (segments.includes("__proto__")) throw invalid(`filter key "${key}" is not allowed`);
}

function parseOperators(key: string, value: Record<string, unknown>): MetadataFilterOperators {
  const names = Object.keys(value);
  if (names.length === 0) throw invalid(`filter key "${key}": operator object must not be empty`);
  for (const name of names) {
    if (!(operators as readonly string[]).includes(name)) {
      const hint = name.startsWith("$") ? "" : `; to reach a nested property write "${key}.${name}"`;
      throw invalid(`filter key "${key}": unknown operator "${name}" (supported: ${operators.join(", ")}${hint})`);
    }
  }
  const isRange = names.every((name) => lowerBounds.has(name) || upperBounds.has(name));
  const validRange =
    isRange &&
    names.filter((name) => lowerBounds.has(name)).length <= 1 &&
    names.filter((name) => upperBounds.has(name)).length <= 1;
  if (names.length > 1 && !validRange) {
    throw invalid(
      `filter key "${key}": operators ${names.join(", ")} cannot be combined; only one lower bound ($gt or $gte) and one upper bound ($lt or $lte) may share a key`,
    );
  }
  const out: MetadataFilterOperators = {};
  for (const name of names as MetadataFilterOperator[]) {
    const operand = value[name];
    if (name === "$eq" || name === "$ne") {
      if (!isScalarOrNull(operand)) {
        throw invalid(`filter key "${key}": ${name} takes a string, a finite number, a boolean or null`);
      }
      out[name] = operand;
    } else if (name === "$in" || name === "$nin") {
      if (!Array.isArray(operand) || operand.length === 0) {
        throw invalid(`filter key "${key}": ${name} takes a non-empty array`);
      }
      if (!operand.every(isScalarOrNull)) {
        throw invalid(`filter key "${key}": ${name} values must be strings, finite numbers, booleans or null`);
      }
      out[name] = [...operand];
    } else {
      if (typeof operand !== "string" && !(typeof operand === "number" && Number.isFinite(operand))) {
        throw invalid(`filter key "${key}": ${name} takes a string or a finite number`);
      }
      out[name] = operand;
    }
  }
  if (names.length === 2) {
    const [a, b] = names.map((name) => typeof value[name]);
    if (a !== b) throw invalid(`filter key "${key}": both bounds of a range must be strings or both numbers`);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Matching

type Predicate = (metadata: Record<string, unknown> | undefined) => boolean;

/**
 * Compiles a filter (as returned by `parseMetadataFilter`) into a predicate.
 * Use this in loops over many vectors; `matchesMetadataFilter` is the
 * one-shot form.
 */
export function compileMetadataFilter(filter: MetadataFilter): Predicate {
  const checks: Predicate[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    const path = key.split(".");
    const test = conditionTest(condition);
    if (path.length === 1) {
      checks.push((metadata) => test(metadata !== undefined && Object.hasOwn(metadata, key) ? metadata[key] : undefined));
    } else {
      checks.push((metadata) => test(lookup(metadata, path)));
    }
  }
  if (checks.length === 1) return checks[0]!;
  return (metadata) => {
    for (const check of checks) if (!check(metadata)) return false;
    return true;
  };
}

/**
 * Whether `metadata` satisfies `filter` under Vectorize's semantics as
 * documented in this module's comment. `filter` must already be valid
 * (`parseMetadataFilter`); `undefined` metadata has every property missing.
 */
export function matchesMetadataFilter(metadata: Record<string, unknown> | undefined, filter: MetadataFilter): boolean {
  return compileMetadataFilter(filter)(metadata);
}

function lookup(metadata: Record<string, unknown> | undefined, path: string[]): unknown {
  let current: unknown = metadata;
  for (const segment of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current) || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function conditionTest(condition: MetadataScalar | null | MetadataFilterOperators): (value: unknown) => boolean {
  if (condition === null || typeof condition !== "object") return (value) => equals(value, condition);
  const tests: ((value: unknown) => boolean)[] = [];
  for (const [name, operand] of Object.entries(condition) as [MetadataFilterOperator, unknown][]) {
    switch (name) {
      case "$eq":
        tests.push((value) => equals(value, operand as MetadataScalar | null));
        break;
      case "$ne":
        tests.push((value) => !equals(value, operand as MetadataScalar | null));
        break;
      case "$in": {
        const list = operand as (MetadataScalar | null)[];
        tests.push((value) => list.some((item) => equals(value, item)));
        break;
      }
      case "$nin": {
        const list = operand as (MetadataScalar | null)[];
        tests.push((value) => !list.some((item) => equals(value, item)));
        break;
      }
      // compareSameType gives NaN across types, and every comparison with NaN is false.
      case "$lt":
        tests.push((value) => compareSameType(value, operand) < 0);
        break;
      case "$lte":
        tests.push((value) => compareSameType(value, operand) <= 0);
        break;
      case "$gt":
        tests.push((value) => compareSameType(value, operand) > 0);
        break;
      case "$gte":
        tests.push((value) => compareSameType(value, operand) >= 0);
        break;
    }
  }
  return (value) => tests.every((test) => test(value));
}

function equals(value: unknown, operand: MetadataScalar | null): boolean {
  if (operand === null) return value === undefined || value === null;
  return typeof value === typeof operand && value === operand;
}

/** Order of `value` relative to `bound`, or NaN when they are not both strings or both numbers. */
function compareSameType(value: unknown, bound: unknown): number {
  if (typeof bound === "number") return typeof value === "number" ? value - bound : Number.NaN;
  if (typeof bound === "string") return typeof value === "string" ? compareCodePoints(value, bound) : Number.NaN;
  return Number.NaN;
}

/** Compares strings by Unicode code point (= UTF-8 byte order, SQLite's BINARY collation). */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800-DFFF) encode code points above U+FFFF, so they must
    // sort after U+E000-FFFF, which UTF-16 order puts after them.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------
// SQL

export interface CompileMetadataFilterSqlOptions {
  /** Refuse filters that need more bound parameters than this (default 100, D1's limit; pass what your statement has left). */
  maxParams?: number;
}

/**
 * Compiles a filter into a SQLite/D1 predicate over `jsonColumn`, a trusted SQL expression without bound
 * parameters (a column, or e.g. `json_set(...)` over columns) holding a JSON
 * object of metadata, or NULL. The predicate selects exactly the rows for
 * which `matchesMetadataFilter` accepts the parsed JSON; it is type-strict
 * via `json_type` (JSON `true`/`false` come back from `json_extract` as
 * 1/0, so booleans are only ever tested through `json_type`). Keys travel
 * as bound JSON paths (`$."a"."b"`, each label JSON-quoted); only the column
 * expression and fixed type names appear in the SQL text.
 *
 * Parameters per key: `$eq`/`$ne` 3 (1 for booleans and null), one range
 * bound 3, a lower plus an upper bound 5, `$in`/`$nin` up to 8 (the list is
 * bound as one JSON array per type). Throws `AppError("VALIDATION_FAILED")`
 * when the filter is invalid (it goes through `parseMetadataFilter`, so an
 * unchecked request filter is safe to pass) or would need more than
 * `maxParams` parameters.
 */
export function compileMetadataFilterToSql(
  filter: MetadataFilter,
  jsonColumn: string,
  options: CompileMetadataFilterSqlOptions = {},
): { sql: string; params: (string | number)[] } {
  const maxParams = options.maxParams ?? d1MaxBoundParameters;
  const parts: string[] = [];
  const params: (string | number)[] = [];
  const column = `(${jsonColumn})`;
  for (const [key, condition] of Object.entries(parseFilterShape(filter, {}))) {
    const segments = key.split(".");
    // SQLite decodes a quoted path label as a JSON string, so JSON quoting escapes `"` and `\`.
    const path = "$" + segments.map((segment) => `.${JSON.stringify(segment)}`).join("");
    const sql = new SqlBuilder(column, path, params);
    if (condition === null || typeof condition !== "object") {
      parts.push(sql.equals(condition));
      continue;
    }
    const names = Object.keys(condition) as MetadataFilterOperator[];
    if (names.length === 2 || names.some((name) => lowerBounds.has(name) || upperBounds.has(name))) {
      parts.push(sql.range(condition));
      continue;
    }
    const name = names[0];
    if (name === "$eq") parts.push(sql.equals(condition.$eq ?? null));
    else if (name === "$ne") parts.push(`NOT ${sql.equals(condition.$ne ?? null)}`);
    else if (name === "$in") parts.push(sql.oneOf(condition.$in ?? []));
    else if (name === "$nin") parts.push(`NOT ${sql.oneOf(condition.$nin ?? [])}`);
  }
  if (params.length > maxParams) {
    throw invalid(
      `filter needs ${params.length} SQL parameters but only ${maxParams} are available; use fewer keys or shorter $in lists`,
    );
  }
  return { sql: parts.length === 1 ? parts[0]! : `(${parts.join(" AND ")})`, params };
}

/** Builds null-safe (never SQL NULL) predicates for one key. */
class SqlBuilder {
  constructor(
    private readonly column: string,
    private readonly path: string,
    private readonly params: (string | number)[],
  ) {}

  /** JSON type at the path; 'null' when the property is missing or the column is NULL. */
  private type(): string {
    this.params.push(this.path);
    return `ifnull(json_type(${this.column}, ?), 'null')`;
  }

  private value(): string {
    this.params.push(this.path);
    return `json_extract(${this.column}, ?)`;
  }

  equals(operand: MetadataScalar | null): string {
    if (operand === null) return `(${this.type()} = 'null')`;
    if (typeof operand === "boolean") return `(${this.type()} = '${operand ? "true" : "false"}')`;
    const type = this.type();
    const value = this.value();
    this.params.push(operand);
    return `(${type} IN (${typeNames(operand)}) AND ${value} = ?)`;
  }

  oneOf(list: (MetadataScalar | null)[]): string {
    const strings = list.filter((item): item is string => typeof item === "string");
    const numbers = list.filter((item): item is number => typeof item === "number");
    const booleans = [...new Set(list.filter((item): item is boolean => typeof item === "boolean"))];
    const alternatives: string[] = [];
    for (const group of [strings, numbers]) {
      if (group.length === 0) continue;
      const type = this.type();
      const value = this.value();
      this.params.push(JSON.stringify(group));
      alternatives.push(`(${type} IN (${typeNames(group[0]!)}) AND ${value} IN (SELECT value FROM json_each(?)))`);
    }
    if (booleans.length > 0) {
      alternatives.push(`${this.type()} IN (${booleans.map((item) => `'${item ? "true" : "false"}'`).join(", ")})`);
    }
    if (list.includes(null)) alternatives.push(`${this.type()} = 'null'`);
    return `(${alternatives.join(" OR ")})`;
  }

  range(condition: MetadataFilterOperators): string {
    // parseMetadataFilter guarantees one or two bounds of one type.
    const bounds = Object.entries(condition) as ["$lt" | "$lte" | "$gt" | "$gte", string | number][];
    const sample = bounds[0]![1];
    const clauses = [`${this.type()} IN (${typeNames(sample)})`];
    const symbols = { $lt: "<", $lte: "<=", $gt: ">", $gte: ">=" } as const;
    for (const [name, bound] of bounds) {
      clauses.push(`${this.value()} ${symbols[name]} ?`);
      this.params.push(bound);
    }
    return `(${clauses.join(" AND ")})`;
  }
}

function typeNames(sample: MetadataScalar): string {
  return typeof sample === "number" ? "'integer', 'real'" : "'text'";
}

// ---------------------------------------------------------------------------

function invalid(message: string): AppError {
  return new AppError("VALIDATION_FAILED", message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isScalarOrNull(value: unknown): value is MetadataScalar | null {
  return value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

/** Length of `text` in UTF-8 bytes, without encoding it. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
