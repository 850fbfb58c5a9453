import { describe, expect, it } from "vitest";
import { embedderTextCount, isDefaultSpeedRun, parseSpeedArgs, type SpeedOptions } from "./speed-options.js";

const parse = (argv: string[]) => parseSpeedArgs(argv) as SpeedOptions;

describe("parseSpeedArgs", () => {
  it("has the defaults of the full run", () => {
    const options = parse([]);
    expect(options).toMatchObject({ sizes: [1000, 10000, 100000], queries: 300, warmup: 30, embedderDocs: 5000, skipEmbedder: false, queryCache: true, json: undefined });
    expect(isDefaultSpeedRun(options)).toBe(true);
    expect(embedderTextCount(options)).toBe(500);
  });

  it("reads every flag, in both spellings of a value", () => {
    const options = parse(["--sizes", "10k,1000,1000", "--queries=50", "--warmup", "0", "--json", "/tmp/x.json", "--embedder-docs", "300", "--no-wait-quiet", "--skip-embedder", "--no-query-cache", "--no-write"]);
    expect(options).toMatchObject({ sizes: [1000, 10000], queries: 50, warmup: 0, json: "/tmp/x.json", embedderDocs: 300, waitQuiet: false, skipEmbedder: true, queryCache: false, write: false });
    expect(isDefaultSpeedRun(options)).toBe(false);
    expect(embedderTextCount(options)).toBe(300);
    expect(embedderTextCount(parse(["--embedder-texts", "50"]))).toBe(50);
  });

  it("refuses unknown flags and bad values, and answers --help", () => {
    expect(() => parseSpeedArgs(["--size", "1000"])).toThrow(/unknown flag/);
    expect(() => parseSpeedArgs(["--queries", "0"])).toThrow(/positive integer/);
    expect(() => parseSpeedArgs(["--warmup", "-1"])).toThrow(/≥ 0/);
    expect(() => parseSpeedArgs(["--json"])).toThrow(/needs a value/);
    expect(parseSpeedArgs(["--help"])).toEqual({ help: true });
  });

  it("is not the default run when only the embedder phase differs", () => {
    expect(isDefaultSpeedRun(parse(["--embedder-docs", "1000"]))).toBe(false);
    expect(isDefaultSpeedRun(parse(["--skip-embedder"]))).toBe(false);
  });
});
