/**
 * The persisted form of one index: `vectors.log`, an append-only binary log
 * of mutations, replayed on open and rewritten from the live rows when it
 * outgrows them.
 *
 * Format: the 8-byte magic `ERVLOG01`, then records of `u32 length` (of what
 * follows), `u8 type` and a payload. An upsert payload is `u32 json length`,
 * a JSON header `{i: id, n?: namespace, m?: metadata}` and the values as
 * float32 (little-endian on the machines this runs on); a delete payload is
 * JSON `{ids: [...]}`. One `append` call is one write. A record cut short at
 * the end (a crash mid-write) is cut off on open, with a warning; everything
 * before it is kept. Compaction writes a fresh log beside the old one and
 * renames it into place, so a crash leaves one complete log or the other.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";

export const logFileName = "vectors.log";
const logMagic = Buffer.from("ERVLOG01", "latin1");
const recordUpsert = 1;
const recordDelete = 2;
/** u32 record length + u8 record type. */
const recordHeaderBytes = 5;
/** Compaction writes in chunks of about this many bytes. */
const rewriteChunkBytes = 4 * 1024 * 1024;

/** One vector as an upsert record carries it. */
export interface LoggedVector {
  id: string;
  namespace: string | undefined;
  metadata: Record<string, unknown> | undefined;
  values: Float32Array;
}

/** What replay applies, in log order. `recordBytes` is the size of the upsert record, for live-size accounting. */
export interface LogReplayTarget {
  upsert(vector: LoggedVector, recordBytes: number): void;
  delete(ids: string[]): void;
}

export interface CompactionPolicy {
  /** Rewrite the log when it is this many times the size of the live records... */
  ratio: number;
  /** ...and at least this many bytes. */
  minBytes: number;
}

class TornRecord extends Error {}

/** Encodes an upsert record (header + payload). */
export function encodeUpsertRecord(vector: LoggedVector): Buffer {
  const header: { i: string; n?: string; m?: Record<string, unknown> } = { i: vector.id };
  if (vector.namespace !== undefined) header.n = vector.namespace;
  if (vector.metadata !== undefined) header.m = vector.metadata;
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const valueBytes = vector.values.length * 4;
  const record = Buffer.allocUnsafe(recordHeaderBytes + 4 + json.length + valueBytes);
  record.writeUInt32LE(1 + 4 + json.length + valueBytes, 0);
  record.writeUInt8(recordUpsert, 4);
  record.writeUInt32LE(json.length, recordHeaderBytes);
  json.copy(record, recordHeaderBytes + 4);
  Buffer.from(vector.values.buffer, vector.values.byteOffset, valueBytes).copy(record, recordHeaderBytes + 4 + json.length);
  return record;
}

/** Encodes a delete record for `ids`. */
export function encodeDeleteRecord(ids: readonly string[]): Buffer {
  const payload = Buffer.from(JSON.stringify({ ids }), "utf8");
  const record = Buffer.allocUnsafe(recordHeaderBytes + payload.length);
  record.writeUInt32LE(payload.length + 1, 0);
  record.writeUInt8(recordDelete, 4);
  payload.copy(record, recordHeaderBytes);
  return record;
}

/** One index's log file. */
export class VectorLog {
  private fd: number | undefined;
  private bytes = 0;

  constructor(
    private readonly path: string,
    private readonly dimensions: number,
    private readonly compaction: CompactionPolicy,
  ) {}

  /** Writes an empty log (the magic alone) at `path`. */
  static createEmpty(path: string): void {
    writeFileSync(path, logMagic);
  }

  /** Whether the file is open for appending. */
  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /** Size of the log file in bytes. */
  get size(): number {
    return this.bytes;
  }

  /** Replays the log into `target` (cutting off a torn last record), then opens it for appending. */
  open(target: LogReplayTarget): void {
    this.replay(target);
    this.fd = openSync(this.path, "a");
  }

  /** Appends `records` in one write. */
  append(records: readonly Buffer[]): void {
    if (records.length === 0) return;
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    const buffer = records.length === 1 ? records[0]! : Buffer.concat(records);
    writeAll(this.fd, buffer);
    this.bytes += buffer.length;
  }

  /** Whether the log has outgrown `liveRecordBytes` (the summed size of the records that still matter) per the policy. */
  needsCompaction(liveRecordBytes: number): boolean {
    const live = logMagic.length + liveRecordBytes;
    return this.bytes >= this.compaction.minBytes && this.bytes > this.compaction.ratio * live;
  }

  /** Replaces the log with `records` (one upsert per live row), atomically by rename. */
  rewrite(records: Iterable<Buffer>): void {
    const temporary = `${this.path}.compacting`;
    const fd = openSync(temporary, "w");
    let size = 0;
    try {
      writeAll(fd, logMagic);
      size += logMagic.length;
      const chunk: Buffer[] = [];
      let chunkBytes = 0;
      const flush = () => {
        if (chunk.length === 0) return;
        const buffer = Buffer.concat(chunk);
        writeAll(fd, buffer);
        size += buffer.length;
        chunk.length = 0;
        chunkBytes = 0;
      };
      for (const record of records) {
        chunk.push(record);
        chunkBytes += record.length;
        if (chunkBytes >= rewriteChunkBytes) flush();
      }
      flush();
    } finally {
      closeSync(fd);
    }
    if (this.fd !== undefined) closeSync(this.fd);
    renameSync(temporary, this.path);
    this.fd = openSync(this.path, "a");
    this.bytes = fstatSync(this.fd).size;
    if (this.bytes !== size) throw new Error(`compaction of ${this.path} wrote ${size} bytes but the file has ${this.bytes}`);
  }

  /** Closes the file (idempotent). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private replay(target: LogReplayTarget): void {
    const data = readFileSync(this.path);
    if (data.length < logMagic.length || !data.subarray(0, logMagic.length).equals(logMagic)) {
      throw new Error(`${this.path} is not a vector log (bad header)`);
    }
    let offset = logMagic.length;
    while (offset < data.length) {
      const good = offset;
      try {
        if (offset + recordHeaderBytes > data.length) throw new TornRecord();
        const length = data.readUInt32LE(offset);
        const end = offset + 4 + length;
        if (length < 1 || end > data.length) throw new TornRecord();
        const type = data.readUInt8(offset + 4);
        const payload = data.subarray(offset + recordHeaderBytes, end);
        if (type === recordUpsert) target.upsert(this.decodeUpsert(payload), end - offset);
        else if (type === recordDelete) target.delete((JSON.parse(payload.toString("utf8")) as { ids: string[] }).ids);
        else throw new TornRecord();
        offset = end;
      } catch (error) {
        if (!(error instanceof TornRecord) && !(error instanceof SyntaxError)) throw error;
        console.warn(`[vector-store] ${this.path}: discarding ${data.length - good} bytes of an incomplete record`);
        const fd = openSync(this.path, "r+");
        try {
          ftruncateSync(fd, good);
        } finally {
          closeSync(fd);
        }
        offset = good;
        break;
      }
    }
    this.bytes = offset;
  }

  private decodeUpsert(payload: Buffer): LoggedVector {
    const jsonLength = payload.readUInt32LE(0);
    const valueBytes = this.dimensions * 4;
    if (4 + jsonLength + valueBytes !== payload.length) throw new TornRecord();
    const header = JSON.parse(payload.subarray(4, 4 + jsonLength).toString("utf8")) as { i: string; n?: string; m?: Record<string, unknown> };
    // Copy into an aligned buffer before viewing the bytes as floats.
    const values = new Float32Array(this.dimensions);
    new Uint8Array(values.buffer).set(payload.subarray(4 + jsonLength));
    return { id: header.i, namespace: header.n, metadata: header.m, values };
  }
}

function writeAll(fd: number, buffer: Buffer): void {
  let written = 0;
  while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written);
}
