import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LogTail } from "./log-tail.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("LogTail", () => {
  it("returns only whole lines written since the last read", () => {
    dir = mkdtempSync(join(tmpdir(), "log-tail-"));
    const file = join(dir, "server.log");
    const tail = new LogTail(file);
    expect(tail.readNew()).toEqual([]);
    writeFileSync(file, "old 1\nold 2\n");
    tail.skipToEnd();
    appendFileSync(file, "new 1\nnew ");
    expect(tail.readNew()).toEqual(["new 1"]);
    appendFileSync(file, "2\n");
    expect(tail.readNew()).toEqual(["new 2"]);
    expect(tail.readNew()).toEqual([]);
  });

  it("keeps a multi-byte character cut between two reads whole", () => {
    dir = mkdtempSync(join(tmpdir(), "log-tail-"));
    const file = join(dir, "server.log");
    const tail = new LogTail(file);
    const bytes = Buffer.from("µs → done\n", "utf8");
    writeFileSync(file, bytes.subarray(0, 1));
    expect(tail.readNew()).toEqual([]);
    appendFileSync(file, bytes.subarray(1));
    expect(tail.readNew()).toEqual(["µs → done"]);
  });
});
