/**
 * Reads the lines appended to a growing log file since the last read: a
 * server's output captured to a file (load-server-process.ts), read by the
 * benchmark in steps. Only whole lines are returned; a trailing partial line
 * waits for its newline.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from "node:fs";

export class LogTail {
  private offset = 0;
  /** Bytes after the last newline read so far (a line still being written). */
  private partial = Buffer.alloc(0);

  constructor(private readonly file: string) {}

  /** Skips everything written so far (the next read starts at the end). */
  skipToEnd(): void {
    this.readNew();
  }

  /** The whole lines written since the previous call (or since `skipToEnd`). */
  readNew(): string[] {
    if (!existsSync(this.file)) return [];
    const fd = openSync(this.file, "r");
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buffer = Buffer.alloc(size - this.offset);
      let read = 0;
      while (read < buffer.length) {
        const n = readSync(fd, buffer, read, buffer.length - read, this.offset + read);
        if (n === 0) break;
        read += n;
      }
      this.offset += read;
      const bytes = Buffer.concat([this.partial, buffer.subarray(0, read)]);
      // Split on the newline byte, so a multi-byte character cut by the read stays whole.
      const end = bytes.lastIndexOf(0x0a);
      this.partial = Buffer.from(bytes.subarray(end + 1));
      return end === -1 ? [] : bytes.subarray(0, end).toString("utf8").split("\n");
    } finally {
      closeSync(fd);
    }
  }
}
